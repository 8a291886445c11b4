// How the UI names a target for people.
import type { TargetInfo } from "./bindings";

export function describeTarget(target: TargetInfo): string {
  switch (target.kind) {
    case "sandbox":
      return `sandbox at ${target.endpoint}`;
    case "aws": {
      const profile = target.profile ? ` (profile ${target.profile})` : "";
      const region = target.region ? ` in ${target.region}` : "";
      return `AWS${profile}${region}`;
    }
  }
}
