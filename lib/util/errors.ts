/**
 * A problem with the user's input or environment, reported as one line and a non-zero exit.
 * Everything else that escapes is a bug and keeps its stack trace.
 */
export class UserError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
    this.name = "UserError";
  }
}

