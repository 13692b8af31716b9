/**
 * Errors a person can act on. The CLI prints their message alone (no stack) and exits with their code:
 * 2 for invalid input (scenario, trace, flags), 3 when the run could not complete (target unreachable, I/O).
 */
export class InputError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

export class RunFailure extends Error {
  readonly exitCode = 3;
  constructor(message: string) {
    super(message);
    this.name = 'RunFailure';
  }
}
