# SPDX-License-Identifier: BSD-3-Clause
"""Test harness: run dpdk-testpmd with net_bsdtun units and drive it.

Stdlib only.  A test script looks like

    import harness
    from harness import check, check_eq

    def main():
        with harness.Session() as s:        # temp dir, unique names, cleanup
            # one interactive testpmd, one net_bsdtun port per devargs string
            with s.testpmd(['qlen=8'], args=['--forward-mode=io']) as pmd:
                pmd.cmd('start')
                s.client('row6', pmd.sock(0))   # tests/client_rows
                check_eq(pmd.xstats(0)['tx_no_client'], 0, 'no drops')

    harness.run_main(main)                  # exit status: 1 on any failure

Environment:
  BSDTUN_BUILD     meson build directory (default: ../build next to tests/)
  BSDTUN_TESTPMD   testpmd binary (default: dpdk-testpmd)
  BSDTUN_SANITIZE  1: the PMD is built with ASan; preload the runtime
"""

import glob
import hashlib
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.abspath(os.environ.get('BSDTUN_BUILD') or
                        os.path.join(HERE, '..', 'build'))
TESTPMD = os.environ.get('BSDTUN_TESTPMD') or 'dpdk-testpmd'
SANITIZE = os.environ.get('BSDTUN_SANITIZE') == '1'
# EAL refuses -d plugins below a world-writable directory: a checkout under
# /tmp gets its PMD copied somewhere private (devtools/pmd-path.sh).
PMD = subprocess.run([os.path.join(os.path.dirname(HERE), 'devtools',
                                   'pmd-path.sh'), BUILD],
                     capture_output=True, text=True).stdout.strip() or \
    os.path.join(BUILD, 'drivers', 'net', 'bsdtun', 'librte_net_bsdtun.so')
TUNTEST = os.path.join(BUILD, 'app', 'tuntest', 'tuntest')
CLIENT_ROWS = os.path.join(BUILD, 'tests', 'client_rows')

PROMPT = 'testpmd> '
# testpmd's command line writes its prompt a character at a time, and an
# event line printed by another thread (an LSC callback: "\nPort 0: link
# state change event\n", itself two writes) can land inside it.  The prompt
# is matched with newlines allowed between its characters once event lines
# are taken out.
EVENT_LINE = re.compile(r'Port \d+: [a-z ]+ event\n')
PROMPT_LOOSE = re.compile('\n*'.join(re.escape(c) for c in PROMPT))


def _dpdk_version():
    """(year, month) of the DPDK pkg-config finds: the one built against."""
    v = subprocess.run(['pkg-config', '--modversion', 'libdpdk'],
                       capture_output=True, text=True).stdout.strip()
    m = re.match(r'(\d+)\.(\d+)', v)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


DPDK_VERSION = _dpdk_version()

# ---- assertions -----------------------------------------------------------

_passed = 0
_failed = []


def check(cond, msg):
    """Record one assertion; print it; never raises."""
    global _passed
    if cond:
        _passed += 1
        print('ok   %s' % msg, flush=True)
    else:
        _failed.append(msg)
        print('FAIL %s' % msg, flush=True)
    return bool(cond)


def check_eq(got, want, msg):
    return check(got == want, '%s: got %r, want %r' % (msg, got, want))


def finish():
    """Print the summary and exit: 0 iff every assertion passed."""
    print('\n%d passed, %d failed' % (_passed, len(_failed)), flush=True)
    for m in _failed:
        print('  failed: %s' % m, flush=True)
    sys.exit(1 if _failed or _passed == 0 else 0)


def _on_sigterm(signum, frame):
    # meson test's timeout: unwind through the context managers so that
    # testpmd, clients and temp files are cleaned up.
    raise SystemExit(128 + signum)


def run_main(fn):
    """Run fn(); an exception counts as a failure.  Then finish()."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        fn()
    except Exception:  # noqa: BLE001 - report anything as a failure
        traceback.print_exc()
        check(False, 'test raised %s' % sys.exc_info()[0].__name__)
    finish()


def wait_for(pred, timeout=5.0, step=0.02):
    """Poll pred() until it is true or timeout; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(step)


def sanitizer_env(env=None):
    env = dict(os.environ if env is None else env)
    if SANITIZE:
        lib = subprocess.run(['gcc', '-print-file-name=libasan.so'],
                             capture_output=True, text=True,
                             check=True).stdout.strip()
        env['LD_PRELOAD'] = lib
        env['ASAN_OPTIONS'] = 'detect_leaks=0'
    return env


# ---- programs run as another user -------------------------------------------

NOBODY = 65534


def as_user(uid):
    """preexec_fn for subprocess: become uid (group: the same number)."""
    def drop():
        os.setgroups([uid])
        os.setgid(uid)
        os.setuid(uid)
    return drop


def _others_can_reach(path):
    d = os.path.dirname(os.path.abspath(path))
    while True:
        if not os.stat(d).st_mode & 0o001:
            return False
        if d == '/':
            return True
        d = os.path.dirname(d)


def unprivileged_path(prog):
    """A path to the build's program prog that another user can execute.

    prog itself when every directory above it lets others through; else
    (a checkout under /root, mode 0700) a copy, with the build's libbsdtun
    at the same relative place so that its RUNPATH still resolves, under
    /run/bsdtun/unpriv/<build hash>/ (each directory mode 0755)."""
    if _others_can_reach(prog):
        return prog
    base = '/run/bsdtun/unpriv'
    top = os.path.join(base, hashlib.md5(BUILD.encode()).hexdigest()[:12])
    rel = os.path.relpath(os.path.realpath(prog), BUILD)
    libs = [f for f in glob.glob(os.path.join(BUILD, 'lib', 'bsdtun',
                                              'libbsdtun.so*'))
            if not os.path.isdir(f)]
    for src in [prog] + libs:
        dst = os.path.join(top, os.path.relpath(src, BUILD))
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if os.path.islink(src):
            if not os.path.lexists(dst):
                os.symlink(os.readlink(src), dst)
        else:
            shutil.copy2(src, dst + '.tmp')
            os.rename(dst + '.tmp', dst)
    d = os.path.dirname(os.path.join(top, rel))
    while d != '/run':
        os.chmod(d, 0o755)
        d = os.path.dirname(d)
    return os.path.join(top, rel)


# ---- testpmd ----------------------------------------------------------------

class TestPmdError(Exception):
    pass


class TestPmd:
    """One interactive dpdk-testpmd process.

    units: list of devarg strings, one per net_bsdtun port, without sock=
    (the harness adds a unique sock= unless the string has one).
    """

    def __init__(self, session, units, args=(), eal=(), interactive=True,
                 stdin_text=None, echo=True):
        self.session = session
        self.prefix = session.new_prefix()
        self.socks = []
        vdevs = []
        for i, extra in enumerate(units):
            kv = [k for k in extra.split(',') if k]
            if not any(k.startswith('sock=') for k in kv):
                path = session.path('%s_u%d.sock' % (self.prefix, i))
                kv.insert(0, 'sock=' + path)
            else:
                path = [k for k in kv if k.startswith('sock=')][0][5:]
            self.socks.append(path)
            vdevs.append('--vdev=net_bsdtun%d%s' %
                         (i, ''.join(',' + k for k in kv)))
        self.argv = ['stdbuf', '-oL', '-eL', TESTPMD, '-l', '0-1',
                     '--file-prefix=' + self.prefix, '--no-pci',
                     '--huge-unlink', '-d', PMD] + vdevs + list(eal) + \
            ['--'] + (['-i'] if interactive else []) + \
            ['--total-num-mbufs=8192'] + list(args)
        self.proc = None
        self._buf = ''
        self._cond = threading.Condition()
        self._eof = False
        self._reader = None
        self.stdin_text = stdin_text
        self.echo = echo

    # -- process ------------------------------------------------------------

    def start(self, timeout=30):
        if self.echo:
            print('$ ' + ' '.join(self.argv), flush=True)
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT,
                                     env=sanitizer_env())
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if self.stdin_text is not None:
            self.proc.stdin.write(self.stdin_text.encode())
            self.proc.stdin.close()
            return self
        self.wait_prompt(0, timeout)
        return self

    def _read(self):
        fd = self.proc.stdout.fileno()
        while True:
            try:
                b = os.read(fd, 65536)
            except OSError:
                b = b''
            with self._cond:
                if not b:
                    self._eof = True
                    self._cond.notify_all()
                    return
                self._buf += b.decode('utf-8', 'replace')
                self._cond.notify_all()

    def _stacks(self):
        """Every thread's stack of a testpmd that stopped answering (gdb),
        so that a hang in CI says where it hangs."""
        if self.proc.poll() is not None:
            return ''
        fds = []
        for fd in ('0', '1', '2'):
            try:
                fds.append('%s -> %s' % (fd, os.readlink(
                    '/proc/%d/fd/%s' % (self.proc.pid, fd))))
            except OSError as e:
                fds.append('%s: %s' % (fd, e))
        text = 'testpmd stdio: %s\n' % ', '.join(fds)
        if shutil.which('gdb') is not None:
            r = subprocess.run(['gdb', '-p', str(self.proc.pid), '-batch',
                                '-nx', '-ex', 'thread apply all bt 30'],
                               capture_output=True, text=True, timeout=60)
            text += 'testpmd threads (gdb):\n' + r.stdout[-12000:]
        return text

    @property
    def output(self):
        with self._cond:
            return self._buf

    def lines(self):
        return self.output.splitlines()

    def wait_output(self, pattern, start=0, timeout=10):
        """Wait until pattern matches output[start:]; return the match."""
        rx = re.compile(pattern, re.M)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                m = rx.search(self._buf, start)
                if m:
                    return m
                if self._eof:
                    raise TestPmdError('testpmd exited waiting for %r; '
                                       'output tail:\n%s' %
                                       (pattern, self._buf[-3000:]))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TestPmdError('timeout waiting for %r; output '
                                       'tail:\n%s\n%s' %
                                       (pattern, self._buf[-3000:],
                                        self._stacks()))
                self._cond.wait(left)

    def wait_prompt(self, start=0, timeout=10):
        """Wait for the next prompt after output[start:]; return the
        output before it, without the event lines (see PROMPT_LOOSE)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                text = EVENT_LINE.sub('', self._buf[start:])
                m = PROMPT_LOOSE.search(text)
                if m:
                    return text[:m.start()]
                if self._eof:
                    raise TestPmdError('testpmd exited waiting for its '
                                       'prompt; output tail:\n%s' %
                                       self._buf[-3000:])
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TestPmdError('timeout waiting for the prompt; '
                                       'output tail:\n%s\n%s' %
                                       (self._buf[-3000:], self._stacks()))
                self._cond.wait(left)

    def cmd(self, text, expect=None, timeout=30):
        """Send one command line; wait for the next prompt (and expect, a
        regex, if given).  Returns the command's output."""
        with self._cond:
            mark = len(self._buf)
        self.proc.stdin.write((text + '\n').encode())
        self.proc.stdin.flush()
        out = self.wait_prompt(mark, timeout)
        if expect is not None:
            m = self.wait_output(expect, mark, timeout)
            out = self.output[mark:max(mark + len(out), m.end())]
        return out

    def wait_exit(self, timeout=30):
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._kill()
            rc = None
        if self._reader is not None:
            self._reader.join(5)
        return rc

    def stop(self, timeout=20):
        """Quit cleanly; kill on timeout.  Returns the exit status (None
        when it had to be killed)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None and not self.proc.stdin.closed:
            try:
                self.proc.stdin.write(b'quit\n')
                self.proc.stdin.flush()
                self.proc.stdin.close()
            except OSError:
                pass
        rc = self.wait_exit(timeout)
        self.session.release_prefix(self.prefix)
        return rc

    def _kill(self):
        # stdbuf execs testpmd: one process, ours.
        self.proc.kill()
        self.proc.wait()

    def __enter__(self):
        return self.start() if self.proc is None else self

    def __exit__(self, *exc):
        rc = self.stop()
        if exc[0] is None and self.stdin_text is None:
            check(rc == 0, 'testpmd %s quit cleanly (exit status %r)' %
                  (self.prefix, rc))
        for s in self.socks:
            check(not os.path.exists(s),
                  'endpoint %s removed at exit' % s)
        return False

    # -- endpoints -----------------------------------------------------------

    def sock(self, port):
        return self.socks[port]

    # -- statistics ----------------------------------------------------------

    def port_stats(self, port):
        """'show port stats N' as a dict: RX-packets, RX-errors, ..."""
        out = self.cmd('show port stats %d' % port)
        m = re.search(r'NIC statistics for port %d\s+#+\n(.*?)\n\s*#{20,}' %
                      port, out, re.S)
        if not m:
            raise TestPmdError('no stats for port %d:\n%s' % (port, out))
        return {k: int(v) for k, v in
                re.findall(r'([A-Za-z-]+):\s+(\d+)', m.group(1))}

    def xstats(self, port):
        """'show port xstats N' as a dict name -> int."""
        out = self.cmd('show port xstats %d' % port)
        m = re.search(r'NIC extended statistics for port %d\s*\n(.*)' % port,
                      out, re.S)
        if not m:
            raise TestPmdError('no xstats for port %d:\n%s' % (port, out))
        return {k: int(v) for k, v in
                re.findall(r'^(\w+):\s+(\d+)\s*$', m.group(1), re.M)}

    def mbufs_in_use(self, pool='mb_pool_0'):
        """size - common pool - per-lcore caches of one of testpmd's mbuf
        pools.  The command is `dump mempool` from DPDK 25.11 on,
        `dump_mempool` before."""
        if getattr(self, '_dump_mempool', None) is None:
            out = self.cmd('dump mempool ' + pool)
            self._dump_mempool = 'dump_mempool ' \
                if 'Command not found' in out else 'dump mempool '
        out = self.cmd(self._dump_mempool + pool)
        size = int(re.search(r'^\s+size=(\d+)', out, re.M).group(1))
        common = int(re.search(r'common_pool_count=(\d+)', out).group(1))
        cache = re.search(r'total_cache_count=(\d+)', out)
        return size - common - (int(cache.group(1)) if cache else 0)

    def wait_xstat(self, port, name, value, timeout=5):
        """Wait until xstat name reaches value (>=); return the xstats."""
        last = {}

        def reached():
            last.update(self.xstats(port))
            return last.get(name, -1) >= value
        wait_for(reached, timeout, 0.05)
        return last

    def fwd_stop(self):
        """'stop' forwarding; returns {port: {RX-packets: .., ...}} of the
        forward statistics it prints."""
        out = self.cmd('stop', timeout=15)
        res = {}
        for m in re.finditer(r'Forward statistics for port (\d+)\s+-+\n'
                             r'(.*?)\n\s*-{20,}', out, re.S):
            res[int(m.group(1))] = {k: int(v) for k, v in re.findall(
                r'([A-Za-z-]+):\s+(\d+)', m.group(2))}
        return res


# ---- session: temp dir, names, client programs -------------------------------

class AppProbe:
    """tests/app_probe: a DPDK primary with one bsdtun port (port 0) that
    acts only when told (its header lists the commands)."""
    PROG = os.path.join(BUILD, 'tests', 'app_probe')

    def __init__(self, s, devargs, opts=()):
        self.s = s
        self.prefix = s.new_prefix()
        self.sock = s.path(self.prefix + '.sock')
        self.argv = [self.PROG, '-l', '0', '--no-pci', '--huge-unlink',
                     '--file-prefix=' + self.prefix, '-d', PMD,
                     '--vdev=net_bsdtun0,sock=%s,%s' % (self.sock, devargs),
                     '--'] + list(opts)
        print('$ ' + ' '.join(self.argv), flush=True)
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True,
                                     bufsize=1, env=sanitizer_env())
        self.read_until('ready')

    def read_until(self, word):
        lines = []
        for line in self.proc.stdout:
            line = line.rstrip('\n')
            if line == word:
                return lines
            lines.append(line)
        raise RuntimeError('app_probe exited before "%s": %s' %
                           (word, '\n'.join(lines[-20:])))

    def command(self, text):
        """Run one command: (its lines other than xstats, xstats)."""
        self.proc.stdin.write(text + '\n')
        out, xs = [], {}
        for line in self.read_until('end'):
            w = line.split()
            if w and w[0] == 'xstat':
                xs[w[1]] = int(w[2])
            else:
                out.append(line)
        return out, xs

    def burst(self, n):
        """One rte_eth_rx_burst(n): (got, [(len, segs)], xstats)."""
        got, pkts = None, []
        out, xs = self.command('burst %d' % n)
        for line in out:
            w = line.split()
            if w[0] == 'got':
                got = int(w[1])
            elif w[0] == 'pkt':
                pkts.append((int(w[1]), int(w[2])))
                self.last_src = w[3]
        return got, pkts, xs

    def send_and_burst(self, size, keys=()):
        """tuntest send writes one packet of size bytes (its close waits
        until the PMD took it); burst until the record was taken: (packets
        delivered, deltas of the counters in keys)."""
        _, _, before = self.burst(0)
        argv = [TUNTEST, 'send', self.sock, '--stream', '1', '--count',
                '1', '--min', str(size), '--max', str(size), '--quiet']
        send = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        pkts, delta = [], {}
        for _ in range(1000):
            _, p, xs = self.burst(32)
            pkts += p
            delta = {k: xs.get(k, 0) - before.get(k, 0) for k in keys}
            if pkts or any(delta.values()):
                break
            time.sleep(0.005)
        send.communicate(timeout=30)
        check_eq(send.returncode, 0, 'tuntest send: one packet of %d bytes'
                 % size)
        return pkts, delta

    def close(self, timeout=30):
        """quit; returns the exit status (None: it hung and was killed)."""
        try:
            self.proc.stdin.write('quit\n')
            self.proc.stdin.close()
            rc = self.proc.wait(timeout)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
            rc = None
        rest = self.proc.stdout.read()
        if rest:
            print(rest, end='', flush=True)
        self.proc.stdout.close()
        self.s.release_prefix(self.prefix)
        check_eq(rc, 0, 'app_probe exits cleanly')
        return rc


class Session:
    """Owns a temp dir and every process and file a test creates."""

    _count = 0
    _count_lock = threading.Lock()

    def __init__(self):
        self.dir = None
        self.pmds = []
        self.prefixes = set()

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix='bsdtun-t-')
        return self

    def __exit__(self, *exc):
        for p in self.pmds:
            if p.proc is not None and p.proc.poll() is None:
                p.stop(5)
        for pfx in list(self.prefixes):
            self.release_prefix(pfx)
        shutil.rmtree(self.dir, ignore_errors=True)
        return False

    def path(self, name):
        return os.path.join(self.dir, name)

    def new_prefix(self):
        with Session._count_lock:
            Session._count += 1
            pfx = 'bt%d_%d' % (os.getpid(), Session._count)
        self.prefixes.add(pfx)
        return pfx

    def release_prefix(self, pfx):
        """Remove what EAL leaves behind for our own file prefix."""
        for f in glob.glob('/dev/hugepages/%smap_*' % pfx):
            try:
                os.unlink(f)
            except OSError:
                pass
        for d in ('/var/run/dpdk/' + pfx,
                  os.path.join(os.environ.get('XDG_RUNTIME_DIR', '/tmp'),
                               'dpdk', pfx)):
            shutil.rmtree(d, ignore_errors=True)
        self.prefixes.discard(pfx)

    def testpmd(self, units, args=(), eal=(), **kw):
        p = TestPmd(self, units, args, eal, **kw)
        self.pmds.append(p)
        return p

    def client(self, row, endpoint, on_wait=None, timeout=30, extra=()):
        """Run tests/client_rows ENDPOINT ROW.  Lines 'WAIT x' call
        on_wait(x), then the client is told to go on.  Records one
        assertion (exit 0, no FAIL line) and returns (status, lines)."""
        argv = [CLIENT_ROWS, endpoint, row] + list(extra)
        print('$ ' + ' '.join(argv), flush=True)
        env = dict(os.environ)
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, env=env,
                                text=True, bufsize=1)
        q = queue.Queue()

        def reader():
            for line in proc.stdout:
                q.put(line.rstrip('\n'))
            q.put(None)
        th = threading.Thread(target=reader, daemon=True)
        th.start()
        lines = []
        deadline = time.monotonic() + timeout
        timed_out = False
        done = False
        try:
            while True:
                left = deadline - time.monotonic()
                try:
                    line = q.get(timeout=max(left, 0.01))
                except queue.Empty:
                    timed_out = True
                    break
                if line is None:
                    break
                print('  | ' + line, flush=True)
                lines.append(line)
                if line.startswith('WAIT '):
                    if on_wait is not None:
                        on_wait(line[5:].strip())
                    proc.stdin.write('go\n')
                    proc.stdin.flush()
            done = not timed_out
        finally:
            if not done and proc.poll() is None:
                proc.kill()
            rc = proc.wait()
            th.join(5)
        fails = [ln for ln in lines if ln.startswith('FAIL')]
        check(not timed_out and rc == 0 and not fails and
              any(ln.startswith('PASS') for ln in lines),
              'client_rows %s: exit %s%s, %d FAIL lines' %
              (row, rc, ' (timed out)' if timed_out else '', len(fails)))
        return rc, lines
