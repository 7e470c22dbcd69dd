/** The `troupe` process exit codes; scripts and service managers rely on them. */
export const ExitCode = {
  /** Stopped cleanly. */
  Ok: 0,
  /** Killed: a second signal, a hard stop, or an unexpected failure. */
  Killed: 1,
  /** The module could not be imported, set no broker, or the arguments are wrong. */
  ImportError: 2,
  /** The broker could not be reached at start. */
  ConnectionError: 3,
  /** The pid file belongs to a running process or cannot be written. */
  PidFileError: 4,
} as const;

/** One of the `ExitCode` values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
