/**
 * Which `player.command`s this device has heard and applied, by version. Reports carry the version of
 * the last one applied; the server refuses (`player.stale`) a report older than the last command it
 * sent, since the device made it before following that command. What to do then depends on the command:
 * applied since, report again now; heard and being applied, the report after it follows; never heard
 * (the message was lost), wait a little and then take this device's own state as the truth.
 */
export class CommandVersions {
  private received = 0;
  private done = 0;

  /** The version reports carry. */
  get applied(): number {
    return this.done;
  }

  heard(version: number): void {
    this.received = Math.max(this.received, version);
  }

  followed(version: number): void {
    this.done = Math.max(this.done, version);
  }

  /** After a `player.stale` for `version`: report again now, wait for the command being applied, or for one lost. */
  onStale(version: number): 'report' | 'wait' | 'lost' {
    if (this.done >= version) return 'report';
    return this.received >= version ? 'wait' : 'lost';
  }

  /** The wait for a lost command is over: true when it never came, and reports now go as if it had. */
  giveUp(version: number): boolean {
    if (this.received >= version || this.done >= version) return false;
    this.done = version;
    return true;
  }
}
