import { sql } from 'kysely';
import type { AccountsRepository, NewUser, StoredToken, User } from '../../core/accounts/types.js';
import type { Db } from './database.js';
import type { UsersTable } from './schema.js';

type UserRow = Omit<UsersTable, 'created_at'> & { created_at: Date };

function toUser(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    role: row.role,
    product: row.product,
    country: row.country,
    createdAt: row.created_at,
  };
}

export class PgAccountsRepository implements AccountsRepository {
  constructor(private readonly db: Db) {}

  async insertUser(user: NewUser): Promise<User> {
    const row = await this.db
      .insertInto('users')
      .values({
        id: user.id,
        username: user.username,
        display_name: user.displayName,
        password_hash: user.passwordHash,
        role: user.role,
        product: user.product,
        country: user.country,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toUser(row);
  }

  async userById(id: string): Promise<User | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  }

  async credentialsByUsername(username: string): Promise<{ user: User; passwordHash: string } | undefined> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where(sql<string>`lower(username)`, '=', username.toLowerCase())
      .executeTakeFirst();
    return row && { user: toUser(row), passwordHash: row.password_hash };
  }

  async listUsers(): Promise<User[]> {
    const rows = await this.db.selectFrom('users').selectAll().orderBy('created_at').execute();
    return rows.map(toUser);
  }

  async updateUser(
    id: string,
    changes: Partial<Pick<User, 'role' | 'product' | 'country'>>,
  ): Promise<User | undefined> {
    const row = await this.db.updateTable('users').set(changes).where('id', '=', id).returningAll().executeTakeFirst();
    return row && toUser(row);
  }

  async insertToken(hash: Buffer, token: StoredToken): Promise<void> {
    await this.db
      .insertInto('tokens')
      .values({
        hash,
        user_id: token.userId,
        kind: token.kind,
        expires_at: token.expiresAt,
        revoked_at: token.revokedAt,
      })
      .execute();
  }

  async userForToken(hash: Buffer, kind: 'access' | 'refresh', now: Date): Promise<User | undefined> {
    const row = await this.db
      .selectFrom('tokens')
      .innerJoin('users', 'users.id', 'tokens.user_id')
      .selectAll('users')
      .where('tokens.hash', '=', hash)
      .where('tokens.kind', '=', kind)
      .where('tokens.revoked_at', 'is', null)
      .where('tokens.expires_at', '>', now)
      .executeTakeFirst();
    return row && toUser(row);
  }

  async revokeToken(hash: Buffer, now: Date): Promise<boolean> {
    const r = await this.db
      .updateTable('tokens')
      .set({ revoked_at: now })
      .where('hash', '=', hash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
}
