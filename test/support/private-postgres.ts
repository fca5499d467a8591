import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports';

const run = promisify(execFile);
const POSTGRES_ROOT = '/usr/lib/postgresql';

/** The newest PostgreSQL installed under /usr/lib/postgresql/<major>/bin (Debian's layout). */
function postgresBinDir(): string {
  const majors = existsSync(POSTGRES_ROOT)
    ? readdirSync(POSTGRES_ROOT)
        .filter((d) => existsSync(join(POSTGRES_ROOT, d, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors.length === 0) throw new Error(`no PostgreSQL server binaries under ${POSTGRES_ROOT}/*/bin`);
  return join(POSTGRES_ROOT, majors[0], 'bin');
}

/** PostgreSQL refuses to run as root: as root, its binaries run as the `postgres` user, who owns the cluster. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/**
 * A throwaway PostgreSQL cluster of a test's own: `initdb` into a temporary directory, trust authentication, on a
 * free port of 127.0.0.1 (and its socket in that directory), so that stopping and starting it (a fault test) never
 * touches the machine's shared server. `dispose` stops it and deletes the directory.
 */
export class PrivatePostgres {
  private constructor(
    private readonly bin: string,
    private readonly dir: string,
    readonly port: number,
    private readonly user: { uid: number; gid: number } | undefined,
  ) {}

  /** The superuser's URL (database `postgres`). */
  get adminUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private get dataDir(): string {
    return join(this.dir, 'data');
  }

  static async start(): Promise<PrivatePostgres> {
    const bin = postgresBinDir();
    const dir = mkdtempSync(join(tmpdir(), 'payment-ledger-pg-'));
    const user = runAs();
    if (user) chownSync(dir, user.uid, user.gid);
    const cluster = new PrivatePostgres(bin, dir, await freePort(), user);
    try {
      await cluster.exec('initdb', ['-D', cluster.dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
      await cluster.startServer();
    } catch (error) {
      cluster.dispose();
      throw error;
    }
    return cluster;
  }

  private exec(tool: string, args: string[], timeoutMs = 120_000) {
    return run(join(this.bin, tool), args, { uid: this.user?.uid, gid: this.user?.gid, timeout: timeoutMs });
  }

  /** Starts the server and waits until it accepts connections. */
  async startServer(): Promise<void> {
    const options = [
      `-p ${this.port}`,
      "-c listen_addresses='127.0.0.1'",
      `-c unix_socket_directories='${this.dir}'`,
      // Nothing here must survive the machine crashing, only the server being killed: the OS keeps what was written.
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=300',
      '-c shared_buffers=128MB',
    ].join(' ');
    await this.exec('pg_ctl', [
      'start',
      '-D',
      this.dataDir,
      '-w',
      '-t',
      '60',
      '-l',
      join(this.dir, 'server.log'),
      '-o',
      options,
    ]);
  }

  /** Stops the server: `fast` (sessions ended, a clean shutdown) or `immediate` (as a crash: recovery at start). */
  async stopServer(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.exec('pg_ctl', ['stop', '-D', this.dataDir, '-w', '-t', '60', '-m', mode]);
  }

  /** The server's log (for a failure's message). */
  serverLog(): string {
    try {
      return readFileSync(join(this.dir, 'server.log'), 'utf8');
    } catch {
      return '';
    }
  }

  /** Stops the server at once (if running) and deletes the cluster. Never throws. */
  dispose(): void {
    try {
      execFileSync(join(this.bin, 'pg_ctl'), ['stop', '-D', this.dataDir, '-w', '-t', '30', '-m', 'immediate'], {
        uid: this.user?.uid,
        gid: this.user?.gid,
        stdio: 'ignore',
        timeout: 40_000,
      });
    } catch {
      // not running
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
