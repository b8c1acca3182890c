export type Role = 'listener' | 'artist' | 'admin';
export type Product = 'free' | 'premium';
export const USER_ROLES: readonly Role[] = ['listener', 'artist', 'admin'];
export const PRODUCTS: readonly Product[] = ['free', 'premium'];

export interface User {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  product: Product;
  country: string;
  createdAt: Date;
}

export interface NewUser extends Omit<User, 'createdAt'> {
  passwordHash: string;
}

export type TokenKind = 'access' | 'refresh';

/** A token about to be stored: only its SHA-256 is kept. */
export interface NewToken {
  hash: Buffer;
  kind: TokenKind;
  expiresAt: Date;
}

/** Persistence the accounts domain needs; implemented in adapters/postgres. */
export interface AccountsRepository {
  insertUser(user: NewUser): Promise<User>;
  userById(id: string): Promise<User | undefined>;
  credentialsByUsername(username: string): Promise<{ user: User; passwordHash: string } | undefined>;
  listUsers(): Promise<User[]>;
  updateUser(id: string, changes: Partial<Pick<User, 'role' | 'product' | 'country'>>): Promise<User | undefined>;
  /** Stores the tokens of a new log-in; `familyId` groups every token that will descend from it. */
  insertTokens(userId: string, familyId: string, tokens: NewToken[]): Promise<void>;
  /**
   * The token's owner and family, when the token exists, is of `kind`, is not revoked and has not
   * expired at `now`.
   */
  tokenOwner(hash: Buffer, kind: TokenKind, now: Date): Promise<{ user: User; familyId: string } | undefined>;
  /**
   * In one statement: marks a usable refresh token rotated and stores `successors` in its family for its
   * owner. False when the token was not usable (unknown, expired, revoked or already rotated), so of
   * parallel rotations of one token exactly one succeeds.
   */
  rotateRefreshToken(hash: Buffer, successors: NewToken[], now: Date): Promise<boolean>;
  /** When `hash` is a refresh token already rotated, revokes every token of its family and names it. */
  revokeFamilyOfRotated(hash: Buffer, now: Date): Promise<string | undefined>;
  revokeToken(hash: Buffer, now: Date): Promise<boolean>;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}
