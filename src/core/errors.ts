/**
 * Domain conditions. Each interface (REST, Subsonic, CLI) maps these once; domains throw nothing else
 * on purpose. `field` names the offending input when there is one.
 */
export class DomainError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFound extends DomainError {}
export class Forbidden extends DomainError {}
export class Unauthorized extends DomainError {}
export class Invalid extends DomainError {}
export class Conflict extends DomainError {}
/** Refused for now; `retryAfterSeconds`, when known, says when asking again can succeed. */
export class TooMany extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}
export class PayloadTooLarge extends DomainError {}

/** A media file that cannot be ingested; `message` is the reason stored for the uploader. */
export class MediaError extends DomainError {}
