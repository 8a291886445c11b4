// The window's state: the lessons, the open lesson and each step's progress, the inspector's
// exchanges and server records. Components read it; only the functions here change it.
import * as api from "./api";
import type {
  ErrorCode,
  SandboxHealth,
  ErrorDto,
  ExchangeView,
  LessonEvent,
  LessonSummary,
  LessonView,
  ServerRecord,
} from "./bindings";

export type StepStatus = "idle" | "running" | "done" | "failed";

export interface CheckResult {
  description: string;
  passed: boolean;
  detail: string | null;
}

export interface StepProgress {
  status: StepStatus;
  startedAt: number | null;
  finishedAt: number | null;
  summary: string | null;
  performed: string[];
  /** What the step found already there and used as it was (teardown keeps it). */
  adopted: string | null;
  checks: CheckResult[];
  failure: { code: ErrorCode; message: string; hint: string | null } | null;
}

/** How many exchanges and server records the inspector keeps. */
const KEEP = 500;

const fresh = (status: StepStatus): StepProgress => ({
  status,
  startedAt: null,
  finishedAt: null,
  summary: null,
  performed: [],
  adopted: null,
  checks: [],
  failure: null,
});

class Lab {
  lessons = $state<LessonSummary[]>([]);
  lesson = $state<LessonView | null>(null);
  selected = $state<string | null>(null);
  progress = $state<Record<string, StepProgress>>({});
  exchanges = $state<ExchangeView[]>([]);
  server = $state<ServerRecord[]>([]);
  /** What the request whose timeline is shown went through (API ids, function and table
   * names): the diagram lights those nodes. */
  lit = $state<string[]>([]);
  /** The sandbox process, once it has had to be started again (the app restarts it if it ends). */
  sandboxHealth = $state<SandboxHealth | null>(null);
  busy = $state(false);
  error = $state<ErrorDto | null>(null);
  /** True while auto-play runs the lesson step after step. */
  playing = $state(false);
  /** The AWS accounts the student agreed to create resources in, this session. */
  confirmedAccounts = $state<string[]>([]);

  /** Whether running a step needs the student's go-ahead first: a real AWS account not
   * confirmed yet in this window. */
  get needsConfirmation(): boolean {
    const target = this.lesson?.target;
    return !!target && target.kind === "aws" && !this.confirmedAccounts.includes(target.account);
  }

  confirmAccount(): void {
    const account = this.lesson?.target.account;
    if (account) this.confirmedAccounts = [...this.confirmedAccounts, account];
  }

  /** Loads the lessons and starts listening to the Rust side's events. */
  async start(): Promise<void> {
    await Promise.all([
      api.on("lesson-event", (event) => this.apply(event)),
      api.on("traffic", (exchange) => {
        this.exchanges = [...this.exchanges, exchange].slice(-KEEP);
      }),
      api.on("server", (record) => {
        this.server = [...this.server, record].slice(-KEEP);
      }),
      api.on("sandbox-health", (health) => {
        this.sandboxHealth = health;
      }),
    ]);
    await this.refreshLessons();
  }

  async refreshLessons(): Promise<void> {
    try {
      this.lessons = await api.lessons();
      this.error = null;
    } catch (thrown) {
      this.error = thrown as ErrorDto;
    }
  }

  async open(id: string): Promise<void> {
    try {
      const view = await api.lesson(id);
      this.show(view);
      this.selected = view.steps.find((step) => !step.done)?.id ?? view.steps[0]?.id ?? null;
      this.error = null;
    } catch (thrown) {
      this.error = thrown as ErrorDto;
    }
  }

  close(): void {
    this.lesson = null;
    this.selected = null;
  }

  /** Shows `view`, keeping what this session saw of each step. */
  private show(view: LessonView): void {
    const progress: Record<string, StepProgress> = {};
    for (const step of view.steps) {
      const known = this.progress[step.id];
      if (known && (known.status === "running" || known.status === "failed")) {
        progress[step.id] = known;
      } else if (known && step.done) {
        progress[step.id] = { ...known, status: "done" };
      } else {
        progress[step.id] = fresh(step.done ? "done" : "idle");
      }
    }
    this.lesson = view;
    this.progress = progress;
  }

  select(step: string): void {
    this.selected = step;
  }

  /** The step after the selected one, if any. */
  get next(): string | null {
    const steps = this.lesson?.steps ?? [];
    const index = steps.findIndex((step) => step.id === this.selected);
    return steps[index + 1]?.id ?? null;
  }

  async run(step: string, upTo = false): Promise<boolean> {
    const lesson = this.lesson;
    if (!lesson || this.busy || this.needsConfirmation) {
      return false;
    }
    this.busy = true;
    try {
      const view = upTo ? await api.runUntil(lesson.id, step) : await api.runStep(lesson.id, step);
      this.show(view);
      void this.refreshLessons();
      return true;
    } catch (thrown) {
      const error = thrown as ErrorDto;
      const known = this.progress[step];
      if (!known || known.status !== "failed") {
        this.progress[step] = { ...fresh("failed"), failure: { code: error.code, message: error.message, hint: null } };
      }
      return false;
    } finally {
      this.busy = false;
    }
  }

  /** Runs the selected step and moves on to the next. */
  async runAndAdvance(): Promise<boolean> {
    const step = this.selected;
    if (!step) return false;
    const ok = await this.run(step);
    const next = this.next;
    if (ok && next) this.select(next);
    return ok;
  }

  /** Runs the lesson from the first step not done, pausing `pauseMs` after each step so an
   * audience can follow; stops at the end, at a failure, or when `stop()` is called. */
  async play(pauseMs: number): Promise<void> {
    if (!this.lesson || this.playing) return;
    this.playing = true;
    const first = this.lesson.steps.find((step) => this.progress[step.id]?.status !== "done");
    if (first) this.select(first.id);
    try {
      while (this.playing && this.selected) {
        const current = this.selected;
        const ok = await this.run(current);
        if (!ok || !this.next || this.selected !== current) break;
        this.select(this.next);
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    } finally {
      this.playing = false;
    }
  }

  stop(): void {
    this.playing = false;
  }

  /** Makes a step's choice (the step applies it when it runs again). */
  async choose(name: string, value: string): Promise<void> {
    if (!this.lesson) return;
    try {
      this.show(await api.choose(this.lesson.id, name, value));
    } catch (thrown) {
      this.error = thrown as ErrorDto;
    }
  }

  async saveAnswer(question: string, text: string): Promise<void> {
    if (this.lesson) {
      await api.answer(this.lesson.id, question, text);
    }
  }

  clearInspector(): void {
    this.exchanges = [];
    this.server = [];
  }

  /** Applies one event of a running lesson to its step's progress. */
  apply(event: LessonEvent): void {
    if (event.lesson !== this.lesson?.id) {
      return;
    }
    const now = Date.now();
    switch (event.event) {
      case "step_started":
        this.progress[event.id] = { ...fresh("running"), startedAt: now };
        this.selected = event.id;
        break;
      case "action_done":
        this.update(event.id, { summary: event.summary, performed: event.performed, adopted: event.adopted });
        break;
      case "captured":
        if (this.lesson) {
          const others = this.lesson.variables.filter((v) => v.name !== event.name);
          this.lesson.variables = [...others, { name: event.name, value: event.value }];
        }
        break;
      case "checked": {
        const checks = this.progress[event.id]?.checks ?? [];
        this.update(event.id, {
          checks: [...checks, { description: event.description, passed: event.passed, detail: event.detail }],
        });
        break;
      }
      case "step_done":
        this.update(event.id, { status: "done", finishedAt: now });
        break;
      case "step_failed":
        this.update(event.id, {
          status: "failed",
          finishedAt: now,
          failure: { code: event.code, message: event.message, hint: event.hint },
        });
        break;
    }
  }

  private update(step: string, change: Partial<StepProgress>): void {
    this.progress[step] = { ...(this.progress[step] ?? fresh("running")), ...change };
  }
}

export const lab = new Lab();
