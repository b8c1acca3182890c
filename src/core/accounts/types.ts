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

export interface StoredToken {
  userId: string;
  kind: 'access' | 'refresh';
  expiresAt: Date;
  revokedAt: Date | null;
}

/** Persistence the accounts domain needs; implemented in adapters/postgres. */
export interface AccountsRepository {
  insertUser(user: NewUser): Promise<User>;
  userById(id: string): Promise<User | undefined>;
  credentialsByUsername(username: string): Promise<{ user: User; passwordHash: string } | undefined>;
  listUsers(): Promise<User[]>;
  updateUser(id: string, changes: Partial<Pick<User, 'role' | 'product' | 'country'>>): Promise<User | undefined>;
  insertToken(hash: Buffer, token: StoredToken): Promise<void>;
  /** The token's owner, when the token exists, is of `kind`, is not revoked and has not expired at `now`. */
  userForToken(hash: Buffer, kind: 'access' | 'refresh', now: Date): Promise<User | undefined>;
  revokeToken(hash: Buffer, now: Date): Promise<boolean>;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}
