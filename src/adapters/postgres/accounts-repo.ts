import { sql } from 'kysely';
import type { AccountsRepository, NewToken, NewUser, TokenKind, User } from '../../core/accounts/types.js';
import { SYSTEM_USER_ID } from '../../core/home/types.js';
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
    // The system account that owns generated playlists is nobody to list.
    const rows = await this.db
      .selectFrom('users')
      .selectAll()
      .where('id', '!=', SYSTEM_USER_ID)
      .orderBy('created_at')
      .execute();
    return rows.map(toUser);
  }

  async updateUser(
    id: string,
    changes: Partial<Pick<User, 'role' | 'product' | 'country'>>,
  ): Promise<User | undefined> {
    const row = await this.db.updateTable('users').set(changes).where('id', '=', id).returningAll().executeTakeFirst();
    return row && toUser(row);
  }

  async insertTokens(userId: string, familyId: string, tokens: NewToken[]): Promise<void> {
    await this.db
      .insertInto('tokens')
      .values(
        tokens.map((t) => ({
          hash: t.hash,
          user_id: userId,
          kind: t.kind,
          expires_at: t.expiresAt,
          revoked_at: null,
          family_id: familyId,
        })),
      )
      .execute();
  }

  async tokenOwner(hash: Buffer, kind: TokenKind, now: Date): Promise<{ user: User; familyId: string } | undefined> {
    const row = await this.db
      .selectFrom('tokens')
      .innerJoin('users', 'users.id', 'tokens.user_id')
      .selectAll('users')
      .select('tokens.family_id')
      .where('tokens.hash', '=', hash)
      .where('tokens.kind', '=', kind)
      .where('tokens.revoked_at', 'is', null)
      .where('tokens.expires_at', '>', now)
      .executeTakeFirst();
    return row && { user: toUser(row), familyId: row.family_id };
  }

  async rotateRefreshToken(hash: Buffer, successors: NewToken[], now: Date): Promise<boolean> {
    // The UPDATE locks the row; a parallel rotation waits for it, then re-reads the row, finds it revoked
    // and updates nothing, so it inserts nothing either.
    const next = sql.join(successors.map((t) => sql`(${t.hash}::bytea, ${t.kind}, ${t.expiresAt}::timestamptz)`));
    const { rows } = await sql<{ hash: Buffer }>`
      with used as (
        update tokens set revoked_at = ${now}, rotated_at = ${now}
        where hash = ${hash} and kind = 'refresh' and revoked_at is null and expires_at > ${now}
        returning user_id, family_id
      )
      insert into tokens (hash, user_id, kind, expires_at, family_id)
      select next.hash, used.user_id, next.kind, next.expires_at, used.family_id
      from used, (values ${next}) as next (hash, kind, expires_at)
      returning hash`.execute(this.db);
    return rows.length > 0;
  }

  async revokeFamilyOfRotated(hash: Buffer, now: Date): Promise<string | undefined> {
    const { rows } = await sql<{ family_id: string }>`
      with reused as (
        select family_id from tokens where hash = ${hash} and kind = 'refresh' and rotated_at is not null
      ), revoked as (
        update tokens set revoked_at = ${now}
        where family_id in (select family_id from reused) and revoked_at is null
      )
      select family_id from reused`.execute(this.db);
    return rows[0]?.family_id;
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
