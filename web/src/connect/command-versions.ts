/**
 * Which `player.command`s this device has heard and applied, by version. Reports carry the version of
 * the last one applied; the server refuses (`player.stale`) a report older than the last command it
 * sent, since the device made it before following that command. What to do then depends on the command:
 * applied since, report again now; heard and being applied, the report after it follows; never heard
 * (the message was lost, or sent while the socket was down), apply the stored state the refusal
 * carries: the stored state wins over what this device remembers. Commands up to that version that
 * turn up late are then left alone, since the stored state includes them already.
 */
export class CommandVersions {
  private received = 0;
  private done = 0;
  /** The version of the last stored state applied in place of the commands up to it. */
  private restoredTo = 0;

  /** The version reports carry. */
  get applied(): number {
    return this.done;
  }

  /** A command of `version` arrived: false when a stored state applied since includes it (skip it). */
  heard(version: number): boolean {
    if (version <= this.restoredTo) return false;
    this.received = Math.max(this.received, version);
    return true;
  }

  followed(version: number): void {
    this.done = Math.max(this.done, version);
  }

  /** After a `player.stale` for `version`: report again now, wait for the command being applied, or restore. */
  onStale(version: number): 'report' | 'wait' | 'restore' {
    if (this.done >= version) return 'report';
    return this.received >= version ? 'wait' : 'restore';
  }

  /** The stored state of `version` is being applied: commands up to it are in it. */
  restoring(version: number): void {
    this.restoredTo = Math.max(this.restoredTo, version);
    this.received = Math.max(this.received, version);
  }
}
