// The Load panel's state: the form, the run under way (its seconds from `load-event`s, whether
// the panel or a lesson's step started it), the last finished run and the run it is compared
// with, and the runs kept.
import * as api from "./api";
import type { ErrorDto, LoadEvent, LoadPlanDto, LoadRunView, LoadSnapshotView } from "./bindings";

export interface LoadForm {
  method: string;
  url: string;
  headers: string;
  body: string;
  vus: number;
  durationS: number;
  profile: string;
  thresholds: string;
  label: string;
  api: string;
  func: string;
}

/** What the form sends: headers and thresholds one a line, blanks dropped. */
export function toPlan(form: LoadForm): LoadPlanDto {
  const lines = (text: string) =>
    text
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line.length > 0);
  return {
    method: form.method,
    url: form.url.trim(),
    headers: lines(form.headers),
    body: form.body.length > 0 ? form.body : null,
    vus: Math.round(form.vus),
    duration_s: form.durationS,
    profile: form.profile,
    thresholds: lines(form.thresholds),
    label: form.label.trim() || null,
    api: form.api,
    function: form.func.trim() || null,
  };
}

/** A run's seconds as chart columns: x (seconds) and each series. */
export function columns(
  timeline: LoadSnapshotView[],
  pick: (snapshot: LoadSnapshotView) => number,
): [number[], number[]] {
  return [timeline.map((s) => s.second), timeline.map(pick)];
}

class LoadPanel {
  form = $state<LoadForm>({
    method: "GET",
    url: "",
    headers: "",
    body: "",
    vus: 5,
    durationS: 20,
    profile: "fixed",
    thresholds: "errors < 1%",
    label: "",
    api: "none",
    func: "",
  });
  /** The run under way: its name and settings, and its seconds so far. */
  running = $state<Extract<LoadEvent, { event: "started" }> | null>(null);
  seconds = $state<LoadSnapshotView[]>([]);
  /** The run shown: the last finished one. */
  finished = $state<LoadRunView | null>(null);
  /** The run the current or finished one is compared with. */
  previous = $state<LoadRunView | null>(null);
  runs = $state<LoadRunView[]>([]);
  error = $state<ErrorDto | null>(null);
  exported = $state<string | null>(null);
  private listening = false;

  /** Follows `load-event`s from the panel's runs and from lessons' load steps. */
  async listen(): Promise<void> {
    if (this.listening) return;
    this.listening = true;
    await api.on("load-event", (event) => this.apply(event));
    await this.refresh();
  }

  apply(event: LoadEvent): void {
    switch (event.event) {
      case "started":
        this.running = event;
        this.seconds = [];
        this.finished = null;
        this.error = null;
        this.previous = this.runs.find((run) => run.id === event.previous) ?? null;
        break;
      case "progress":
        this.seconds = [...this.seconds, event.snapshot];
        break;
      case "finished":
        this.running = null;
        this.finished = event.run;
        this.seconds = event.run.timeline;
        this.runs = [event.run, ...this.runs.filter((run) => run.id !== event.run.id)];
        this.previous = this.runs.find((run) => run.id === event.previous) ?? null;
        break;
      case "failed":
        this.running = null;
        this.error = { code: "invalid_input", message: event.message };
        break;
    }
  }

  async refresh(): Promise<void> {
    try {
      this.runs = await api.loadRuns();
    } catch (thrown) {
      this.error = thrown as ErrorDto;
    }
  }

  /** Fills the form from a step's HTTP "try it". */
  prepare(method: string, url: string, body: string | null): void {
    this.form = { ...this.form, method, url, body: body ?? "" };
  }

  async start(): Promise<void> {
    await this.listen();
    this.error = null;
    this.exported = null;
    try {
      await api.loadStart(toPlan(this.form));
    } catch (thrown) {
      this.running = null;
      this.error = thrown as ErrorDto;
    }
  }

  async stop(): Promise<void> {
    try {
      await api.loadStop();
    } catch (thrown) {
      this.error = thrown as ErrorDto;
    }
  }

  /** Shows a kept run (and the one before it of the same request). */
  show(run: LoadRunView): void {
    this.finished = run;
    this.seconds = run.timeline;
    this.previous =
      this.runs.find((other) => other.id < run.id && other.method === run.method && other.url === run.url) ?? null;
  }

  async exportRun(format: "html" | "json"): Promise<void> {
    if (!this.finished) return;
    try {
      this.exported = await api.loadExport(this.finished.id, format);
    } catch (thrown) {
      this.error = thrown as ErrorDto;
    }
  }
}

export const load = new LoadPanel();

/** A line of a chart. */
export interface Line {
  label: string;
  color: string;
  /** The previous run's lines are dashed. */
  dashed?: boolean;
  timeline: LoadSnapshotView[];
  pick: (snapshot: LoadSnapshotView) => number;
}

/** Lines of runs that may have different seconds, on one x axis (whole seconds): uPlot's data,
 * with `null` where a line has no point. */
export function align(lines: Line[]): (number | null)[][] {
  const at = (second: number) => Math.max(1, Math.round(second));
  const xs = [...new Set(lines.flatMap((line) => line.timeline.map((s) => at(s.second))))].sort((a, b) => a - b);
  const series = lines.map((line) => {
    const values = new Map(line.timeline.map((s) => [at(s.second), line.pick(s)]));
    return xs.map((x) => values.get(x) ?? null);
  });
  return [xs, ...series];
}
