// The messages Cognito would have sent (verification codes, temporary passwords), as the
// sandbox's feed records them: the sandbox keeps them instead of sending email or SMS.
import type { ServerRecord } from "./bindings";

export interface MailView {
  id: number;
  time: number;
  poolId: string;
  username: string;
  medium: string;
  destination: string;
  reason: string;
  code: string;
}

/** The mailbox's messages among the feed's records, newest first. */
export function mailbox(records: readonly ServerRecord[]): MailView[] {
  const messages: MailView[] = [];
  for (const record of records) {
    if (record.kind !== "mail" || !record.event) continue;
    try {
      const mail = JSON.parse(record.event) as Partial<MailView>;
      messages.push({
        id: record.id,
        time: record.time,
        poolId: mail.poolId ?? "",
        username: mail.username ?? "",
        medium: mail.medium ?? "EMAIL",
        destination: mail.destination ?? "",
        reason: mail.reason ?? "",
        code: mail.code ?? "",
      });
    } catch {
      // A record the mailbox cannot read is left out rather than shown half.
    }
  }
  return messages.reverse();
}

/** Why Cognito sent a message, in words. */
export function why(reason: string): string {
  switch (reason) {
    case "SignUp":
      return "Verification code after sign-up";
    case "ResendCode":
      return "Verification code, sent again";
    case "ForgotPassword":
      return "Password reset code";
    case "AdminCreateUser":
      return "Temporary password from an administrator";
    default:
      return reason;
  }
}
