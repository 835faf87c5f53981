# SPDX-License-Identifier: BSD-3-Clause
"""Test harness: run dpdk-testpmd with net_bsdtun units and drive it.

Stdlib only.  A test script looks like

    import harness
    from harness import check, check_eq

    def main():
        with harness.Session() as s:        # temp dir, unique names, cleanup
            # one interactive testpmd, one net_bsdtun port per devargs string
            with s.testpmd(['', ''], args=['--forward-mode=io']) as pmd:
                pmd.cmd('start')
                harness.run_client([harness.TUNTEST, 'conform', '--only',
                                    'read_framing', pmd.sock(0),
                                    pmd.sock(1)], 'conform')
                check_eq(pmd.xstats(0)['tx_no_client'], 0, 'no drops')

    harness.run_main(main)                  # exit status: 1 on any failure

devtools/bench.py and devtools/bench_cdev.py use the same processes
(Proc: a child in its own process group, its output collected; TestPmd),
and Session for their temp dirs, file prefixes and clean-up.

Environment:
  BSDTUN_BUILD     meson build directory (default: ../build next to tests/)
  BSDTUN_TESTPMD   testpmd binary (default: dpdk-testpmd)
  BSDTUN_SANITIZE  1: the PMD is built with ASan; preload the runtime
"""

import codecs
import glob
import hashlib
import json
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
TESTPMD = os.environ.get('BSDTUN_TESTPMD') or 'dpdk-testpmd'
SANITIZE = os.environ.get('BSDTUN_SANITIZE') == '1'

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


def pmd_path(build):
    """The build's PMD as EAL's -d takes it.  EAL refuses -d plugins below
    a world-writable directory: a checkout under /tmp gets its PMD copied
    somewhere private (devtools/pmd-path.sh)."""
    return subprocess.run(['bash', os.path.join(TOP, 'devtools',
                                                'pmd-path.sh'), build],
                          capture_output=True, text=True).stdout.strip() or \
        os.path.join(build, 'drivers', 'net', 'bsdtun',
                     'librte_net_bsdtun.so')


def use_build(build):
    """Take the programs (PMD, tuntest, test clients) from the meson build
    directory build, and DPDK_VERSION from the DPDK pkg-config finds now."""
    global BUILD, PMD, TUNTEST, DPDK_VERSION
    BUILD = os.path.abspath(build)
    PMD = pmd_path(BUILD)
    TUNTEST = os.path.join(BUILD, 'app', 'tuntest', 'tuntest')
    DPDK_VERSION = _dpdk_version()


use_build(os.environ.get('BSDTUN_BUILD') or os.path.join(TOP, 'build'))


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


def _on_signal(signum, frame):
    raise SystemExit(128 + signum)


def unwind_on_signals():
    """SIGTERM (meson test's timeout, kill) and SIGHUP raise SystemExit,
    SIGINT KeyboardInterrupt (also when it came in ignored, as in a
    background job): the code unwinds through the context managers, which
    end testpmd and the clients and remove the temp files."""
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def run_main(fn):
    """Run fn(); an exception counts as a failure.  Then finish()."""
    unwind_on_signals()
    try:
        fn()
    except Exception:  # noqa: BLE001 - report anything as a failure
        traceback.print_exc()
        check(False, 'test raised %s' % sys.exc_info()[0].__name__)
    finish()


def memfd_maps(pid, name=None):
    """Sizes in bytes of process pid's memfd mappings (only those of memfd
    name, when given: a unit's region is named after the unit)."""
    sizes = []
    try:
        with open('/proc/%d/maps' % pid) as f:
            for line in f:
                if '/memfd:' not in line or (
                        name is not None and '/memfd:%s ' % name not in line):
                    continue
                lo, hi = line.split()[0].split('-')
                sizes.append(int(hi, 16) - int(lo, 16))
    except OSError:
        pass
    return sizes


def regions(pid, name):
    """The shared regions of unit name that process pid maps (its memfds,
    doc/wire.md section 2), read from their header pages: for each open
    session, {'qlen', 'queue', 'to_client', 'to_dpdk'}, the last two the
    records queued on that ring (published, not yet consumed)."""
    starts = []
    try:
        with open('/proc/%d/maps' % pid) as f:
            for line in f:
                w = line.split()
                if '/memfd:%s ' % name in line and int(w[2], 16) == 0:
                    starts.append(int(w[0].split('-')[0], 16))
    except OSError:
        return []
    out = []
    try:
        with open('/proc/%d/mem' % pid, 'rb') as mem:
            for a in starts:
                mem.seek(a)
                page = mem.read(4096)
                (magic, _, _, qlen, _, tc_ctl, _, td_ctl, _, state,
                 queue) = struct.unpack_from('=IIQIIQQQQII', page)
                if state != 1 or max(tc_ctl, td_ctl) > 4096 - 128:
                    continue

                def queued(ctl):
                    head = struct.unpack_from('=Q', page, ctl + 8)[0]
                    tail = struct.unpack_from('=Q', page, ctl + 72)[0]
                    return (head - tail) % (1 << 64)
                out.append({'qlen': qlen, 'queue': queue,
                            'to_client': queued(tc_ctl),
                            'to_dpdk': queued(td_ctl)})
    except OSError:
        pass
    return out


REC_MAX = 65592  # bsdtun_rec_size(65549 + 16 + 16), doc/wire.md


def rec_size(n):
    """bsdtun_rec_size(n): a ring record of n payload bytes (8-byte header,
    8-byte aligned)."""
    return (8 + n + 7) & ~7


def ring_bytes(qlen, mtu=1500):
    """bsdtun_ring_bytes_for() of lib/bsdtun/bsdtun_ring.h (doc/wire.md
    "Sizing"): one ring's data bytes."""
    want = max(qlen * rec_size(min(mtu, 16384) + 16) + REC_MAX, 2 * REC_MAX)
    sz = 1
    while sz < want:
        sz <<= 1
    return min(sz, 32 << 20)


def region_bytes(qlen, mtu=1500):
    """The shared region of one open: header page and two rings."""
    return 4096 + 2 * ring_bytes(qlen, mtu)


# How long a wait for something that must happen may take: a deadline only
# a broken run reaches (a loaded machine deschedules any process for
# seconds), never the time it usually takes.
PATIENCE = 60.0


def wait_for(pred, timeout=PATIENCE, step=0.02):
    """Poll pred() until it is true or timeout; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(step)


# x86_64 system call numbers a blocked process can be found waiting in
SYS_READ, SYS_POLL, SYS_PPOLL = 0, 7, 271
SYS_EPOLL_WAIT, SYS_EPOLL_PWAIT, SYS_EPOLL_PWAIT2 = 232, 281, 441


def in_syscall(pid, nrs, tid=None):
    """Is thread tid (default: the main thread) of pid in one of the
    system calls nrs, and not running (/proc/PID/task/TID/syscall)?"""
    try:
        with open('/proc/%d/task/%d/syscall' % (pid, tid or pid)) as f:
            return int(f.read().split()[0]) in nrs
    except (OSError, IndexError, ValueError):
        return False


def wait_blocked(pid, nrs, tid=None, timeout=PATIENCE):
    """Wait until thread tid of pid sleeps in one of the system calls nrs
    (see in_syscall); returns whether it did."""
    return wait_for(lambda: in_syscall(pid, nrs, tid), timeout, 0.005)


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
            # a link left by an older build may name another version
            if os.path.lexists(dst) and \
                    os.readlink(dst) != os.readlink(src):
                os.unlink(dst)
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


# ---- processes -------------------------------------------------------------

class ProcError(Exception):
    """A process ended, or did not print what was waited for in time."""


def _echo(echo, text):
    """echo: True prints text to stdout, a function is called with it."""
    if echo is True:
        print(text, flush=True)
    elif echo:
        echo(text)


class Proc:
    """A child process in its own process group (a session of its own),
    its stdout and stderr collected by a thread.

    argv: the command line; name: what messages call it (default: the
    program's name); stdin: a pipe (self.proc.stdin) instead of /dev/null;
    env: its environment (default: ours); uid: run it as that user;
    echo: print the command line first (see _echo).  start=False builds
    it without starting it (start() does)."""

    Error = ProcError

    def __init__(self, argv, name=None, stdin=False, env=None, uid=None,
                 echo=False, start=True):
        self.argv = [str(a) for a in argv]
        self.name = name or os.path.basename(self.argv[0])
        self.stdin = stdin
        self.env = env
        self.uid = uid
        self.echo = echo
        self.proc = None
        self._buf = ''
        self._line = 0              # where readline() goes on
        self._cond = threading.Condition()
        self._eof = False
        self._reader = None
        if start:
            self.start()

    def start(self):
        _echo(self.echo, '$ %s%s' % ('' if self.uid is None else
                                     '(uid %d) ' % self.uid,
                                     ' '.join(self.argv)))
        self.proc = subprocess.Popen(
            self.argv,
            stdin=subprocess.PIPE if self.stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=self.env,
            preexec_fn=None if self.uid is None else as_user(self.uid),
            start_new_session=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        return self

    @property
    def pid(self):
        return self.proc.pid

    def _read(self):
        fd = self.proc.stdout.fileno()
        text = codecs.getincrementaldecoder('utf-8')('replace')
        while True:
            try:
                b = os.read(fd, 65536)
            except OSError:
                b = b''
            with self._cond:
                self._buf += text.decode(b, final=not b)
                if not b:
                    self._eof = True
                self._cond.notify_all()
                if not b:
                    return

    @property
    def output(self):
        with self._cond:
            return self._buf

    def lines(self):
        return self.output.splitlines()

    def mark(self):
        """The length of the output so far: a start for wait_output."""
        with self._cond:
            return len(self._buf)

    def stacks(self):
        """Where a process that stopped answering is: what its stdin,
        stdout and stderr lead to, and every thread's stack (gdb)."""
        if self.proc is None or self.proc.poll() is not None:
            return ''
        fds = []
        for fd in ('0', '1', '2'):
            try:
                fds.append('%s -> %s' % (fd, os.readlink(
                    '/proc/%d/fd/%s' % (self.proc.pid, fd))))
            except OSError as e:
                fds.append('%s: %s' % (fd, e))
        text = '%s stdio: %s\n' % (self.name, ', '.join(fds))
        if shutil.which('gdb') is not None:
            r = subprocess.run(['gdb', '-p', str(self.proc.pid), '-batch',
                                '-nx', '-ex', 'thread apply all bt 30'],
                               capture_output=True, text=True, timeout=60)
            text += '%s threads (gdb):\n%s' % (self.name, r.stdout[-12000:])
        return text

    def _wait(self, find, what, timeout, stacks=True):
        """Wait until find(output) returns something other than None and
        return that.  Raises Error when the output ends first or after
        timeout seconds (None: no limit), with the process's stacks when
        it is still running (stacks=True)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while True:
                found = find(self._buf)
                if found is not None:
                    return found
                if self._eof:
                    raise self.Error('%s exited waiting for %s; output '
                                     'tail:\n%s' %
                                     (self.name, what, self._buf[-3000:]))
                left = None if deadline is None else \
                    deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise self.Error('%s: timeout waiting for %s; output '
                                     'tail:\n%s\n%s' %
                                     (self.name, what, self._buf[-3000:],
                                      self.stacks() if stacks else ''))
                self._cond.wait(left)

    def wait_output(self, pattern, start=0, timeout=PATIENCE):
        """Wait until pattern matches output[start:]; return the match."""
        rx = re.compile(pattern, re.M)
        return self._wait(lambda buf: rx.search(buf, start), repr(pattern),
                          timeout)

    def readline(self, timeout=None):
        """The next line of output (without its newline) readline() did not
        return yet; None once the output ended.  Raises Error after timeout
        seconds."""
        def line(buf):
            end = buf.find('\n', self._line)
            if end < 0 and not self._eof:
                return None
            if end < 0:
                end = len(buf)
            text = buf[self._line:end] if end > self._line else None
            self._line = end + 1
            return [text]
        return self._wait(line, 'a line', timeout, stacks=False)[0]

    def running(self):
        return self.proc.poll() is None

    def cpu_ticks(self):
        """CPU time it used (utime + stime, all threads) in clock ticks;
        0 when it is gone."""
        try:
            with open('/proc/%d/stat' % self.proc.pid) as f:
                v = f.read().rsplit(')', 1)[1].split()
            return int(v[11]) + int(v[12])
        except (OSError, IndexError, ValueError):
            return 0

    def signal(self, sig):
        """Send sig to the process group."""
        try:
            os.killpg(self.proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def wait(self, timeout=None):
        """Wait for exit: its status, None when still running after
        timeout seconds.  Once it exited, output holds all it wrote
        (the reader thread has seen the end of the pipe; a child that
        kept the pipe open may hold it longer: then PATIENCE at most)."""
        rc = self._wait_exit(timeout)
        if rc is not None and self._reader is not None:
            self._reader.join(PATIENCE)
        return rc

    def _wait_exit(self, timeout):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self, grace=3.0):
        """SIGTERM the group and wait up to grace seconds for the process
        (grace 0: no SIGTERM), then SIGKILL the group; reap; close our ends
        of its pipes."""
        if self.proc is None:
            return
        if self.running() and grace > 0:
            self.signal(signal.SIGTERM)
            self._wait_exit(grace)
        if self.running():
            self.signal(signal.SIGKILL)
            self._wait_exit(10)
        self.signal(signal.SIGKILL)     # what is left of the group
        self._reader.join(2)
        for f in (self.proc.stdin, self.proc.stdout):
            if f is not None:
                try:
                    f.close()
                except OSError:
                    pass

    def close(self):
        """End it (Session's clean-up)."""
        self.kill()


def tuntest(*args):
    """Start tuntest ARGS, its stdout and stderr piped (text): the Popen."""
    argv = [TUNTEST] + [str(a) for a in args]
    print('$ ' + ' '.join(argv), flush=True)
    return subprocess.Popen(argv, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def run_stepped(argv, on_wait=None, timeout=120, uid=None):
    """Run a client program to its end, printing its lines.  A line
    'WAIT x' calls on_wait(x), then the client is told 'go'.  A client
    still running after timeout seconds is killed.  Returns (exit status,
    lines, whether it timed out)."""
    p = Proc(argv, stdin=True, uid=uid, echo=True)
    lines = []
    deadline = time.monotonic() + timeout
    timed_out = False
    done = False
    try:
        while True:
            try:
                line = p.readline(max(deadline - time.monotonic(), 0.01))
            except ProcError:
                timed_out = True
                break
            if line is None:
                break
            print('  | ' + line, flush=True)
            lines.append(line)
            if line.startswith('WAIT '):
                if on_wait is not None:
                    on_wait(line[5:].strip())
                p.proc.stdin.write(b'go\n')
                p.proc.stdin.flush()
        done = not timed_out
    finally:
        if done:
            p.wait()
        p.kill(0)
    return p.proc.returncode, lines, timed_out


def run_client(argv, what, on_wait=None, timeout=120, uid=None,
               need_pass=True):
    """run_stepped(), and one assertion called what: exit 0, no line
    starting FAIL (and one starting PASS, with need_pass).  Returns (exit
    status, lines)."""
    rc, lines, timed_out = run_stepped(argv, on_wait, timeout, uid)
    fails = [ln for ln in lines if ln.startswith('FAIL')]
    check(not timed_out and rc == 0 and not fails and
          (not need_pass or any(ln.startswith('PASS') for ln in lines)),
          '%s: exit %s%s, %d FAIL lines' %
          (what, rc, ' (timed out)' if timed_out else '', len(fails)))
    return rc, lines


# ---- testpmd ----------------------------------------------------------------

class TestPmdError(ProcError):
    pass


class TestPmd(Proc):
    """One interactive dpdk-testpmd process.

    units: list of devarg strings, one per net_bsdtun port, without sock=
    (the harness adds a unique sock= unless the string has one).
    args: testpmd's own options; eal: more EAL options (other --vdev=...);
    lcores: EAL --lcores (default -l 0-1); mbufs: --total-num-mbufs;
    plugin: load the PMD (-d); name: what messages call it.
    """

    Error = TestPmdError

    def __init__(self, session, units, args=(), eal=(), interactive=True,
                 stdin_text=None, echo=True, lcores=None, mbufs=8192,
                 plugin=True, name='testpmd'):
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
        argv = ['stdbuf', '-oL', '-eL', TESTPMD] + \
            (['-l', '0-1'] if lcores is None else ['--lcores=' + lcores]) + \
            ['--file-prefix=' + self.prefix, '--no-pci', '--huge-unlink'] + \
            (['-d', PMD] if plugin else []) + vdevs + list(eal) + \
            ['--'] + (['-i'] if interactive else []) + \
            ['--total-num-mbufs=%d' % mbufs] + list(args)
        super().__init__(argv, name, stdin=True, env=sanitizer_env(),
                         echo=echo, start=False)
        self.stdin_text = stdin_text

    # -- process ------------------------------------------------------------

    def start(self, timeout=PATIENCE):
        """Start it; wait for the first prompt (or hand it stdin_text)."""
        Proc.start(self)
        if self.stdin_text is not None:
            self.proc.stdin.write(self.stdin_text.encode())
            self.proc.stdin.close()
            return self
        self.wait_prompt(0, timeout)
        return self

    def wait_prompt(self, start=0, timeout=PATIENCE):
        """Wait for the next prompt after output[start:]; return the
        output before it, without the event lines (see PROMPT_LOOSE)."""
        def before_prompt(buf):
            text = EVENT_LINE.sub('', buf[start:])
            m = PROMPT_LOOSE.search(text)
            return text[:m.start()] if m else None
        return self._wait(before_prompt, 'its prompt', timeout)

    def cmd(self, text, expect=None, timeout=PATIENCE):
        """Send one command line; wait for the next prompt (and expect, a
        regex, if given).  Returns the command's output."""
        mark = self.mark()
        try:
            self.proc.stdin.write((text + '\n').encode())
            self.proc.stdin.flush()
        except OSError as e:
            raise self.Error('%s: %s: %s' % (self.name, text, e))
        out = self.wait_prompt(mark, timeout)
        if expect is not None:
            m = self.wait_output(expect, mark, timeout)
            out = self.output[mark:max(mark + len(out), m.end())]
        return out

    def wait_exit(self, timeout=PATIENCE):
        """Wait for exit; kill it on timeout.  Returns the exit status
        (None when it had to be killed)."""
        rc = self.wait(timeout)
        if rc is None:
            self.kill(0)
        if self._reader is not None:
            self._reader.join(5)
        return rc

    def stop(self, timeout=PATIENCE):
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
        self.kill(0)
        self.session.release_prefix(self.prefix)
        return rc

    def _kill(self):
        """kill -9, no chance to clean up."""
        self.kill(0)

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            self.stop(10)

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

    def wait_mbufs(self, want, pool='mb_pool_0'):
        """mbufs_in_use() once it is want (the last value after PATIENCE):
        after 'stop', an lcore may still be handing its last burst
        back."""
        last = []

        def back():
            last[:] = [self.mbufs_in_use(pool)]
            return last[0] == want
        wait_for(back, PATIENCE, 0.05)
        return last[0]

    def wait_xstat(self, port, name, value, timeout=PATIENCE):
        """Wait until xstat name reaches value (>=); return the xstats."""
        last = {}

        def reached():
            last.update(self.xstats(port))
            return last.get(name, -1) >= value
        wait_for(reached, timeout, 0.05)
        return last

    def ports_stats(self, ports=(0, 1)):
        """port_stats() of each port: {port: stats}."""
        return {p: self.port_stats(p) for p in ports}

    def ports_xstats(self, ports=(0, 1)):
        """xstats() of each port: {port: xstats}."""
        return {p: self.xstats(p) for p in ports}

    def settled_stats(self, good, timeout=PATIENCE, ports=(0, 1)):
        """ports_stats() once good(stats) holds, or the last ones after
        timeout: a PMD counts a burst after handing it over, and its lcore
        may be descheduled in between on a busy machine."""
        last = {}

        def ok():
            last.clear()
            last.update(self.ports_stats(ports))
            return good(last)
        wait_for(ok, timeout, 0.1)
        return last

    def link(self, port):
        """'up' or 'down': the link status of 'show port info N'."""
        out = self.cmd('show port info %d' % port)
        return re.search(r'Link status: (\w+)', out).group(1)

    def verify(self, what, count=20000, window=None):
        """tuntest verify between ports 0 and 1: count packets each way,
        in order, byte-exact.  One assertion, what: exit 0."""
        argv = [TUNTEST, 'verify', self.sock(0), self.sock(1), '--count',
                str(count), '--ifhead', '--quiet'] + \
            ([] if window is None else ['--window', str(window)])
        v = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        print(v.stdout + v.stderr, flush=True)
        return check_eq(v.returncode, 0, what)

    def fwd_stop(self):
        """'stop' forwarding; returns {port: {RX-packets: .., ...}} of the
        forward statistics it prints."""
        out = self.cmd('stop')
        res = {}
        for m in re.finditer(r'Forward statistics for port (\d+)\s+-+\n'
                             r'(.*?)\n\s*-{20,}', out, re.S):
            res[int(m.group(1))] = {k: int(v) for k, v in re.findall(
                r'([A-Za-z-]+):\s+(\d+)', m.group(2))}
        return res


# ---- session: temp dir, names, client programs -------------------------------

# ---- packets on a device node ------------------------------------------------

def ipv4_packet(src_last, seq, size=60, dst=(10, 9, 1, 1)):
    """An IPv4/UDP packet 10.9.0.SRC -> dst, seq in its payload, with a
    valid header checksum (a router, DPDK's l3fwd-power, checks it)."""
    hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, size, seq & 0xffff, 0, 64,
                      17, 0, bytes([10, 9, 0, src_last]), bytes(dst))
    c = sum(struct.unpack('!10H', hdr))
    c = (c >> 16) + (c & 0xffff)
    c += c >> 16
    hdr = hdr[:10] + struct.pack('!H', ~c & 0xffff) + hdr[12:]
    body = struct.pack('!II', src_last, seq)
    return hdr + body + bytes((seq + i) & 0xff
                              for i in range(size - len(hdr) - len(body)))


def open_node(path):
    """A device node opened as a non-blocking tun client would."""
    return os.open(path, os.O_RDWR | os.O_NONBLOCK)


def read_packets(fd, want, timeout=PATIENCE):
    """Read packets from a non-blocking device node fd until want came or
    timeout seconds passed; returns the list."""
    got = []
    deadline = time.monotonic() + timeout
    while len(got) < want and time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.2)
        if not r:
            continue
        try:
            got.append(os.read(fd, 65536))
        except BlockingIOError:
            pass
    return got


def conform_on_wait(pmd, what):
    """The on_wait for `tuntest conform --pause A B` (run_client) against
    testpmd pmd forwarding port 0 <-> 1: 'stop' and 'start' forwarding;
    'closed': port 1 saw B's client close; 'dropped N': port 1 dropped N
    more packets for want of a client (tx_no_client) since 'closed'."""
    base = {}

    def closed():
        xs = pmd.xstats(1)
        base['drops'] = xs['tx_no_client']
        return xs['client_closes'] == xs['client_opens']

    def on_wait(step):
        w = step.split()
        if step == 'stop':
            pmd.fwd_stop()
        elif step == 'start':
            pmd.cmd('start')
        elif step == 'closed':
            check(wait_for(closed), '%s: port 1 saw the close' % what)
        elif len(w) == 2 and w[0] == 'dropped' and w[1].isdigit():
            n = base.get('drops', 0) + int(w[1])
            check(wait_for(lambda: pmd.xstats(1)['tx_no_client'] >= n),
                  '%s: port 1 dropped %s for want of a client' %
                  (what, w[1]))
        else:
            check(False, '%s: unexpected WAIT %s' % (what, step))
    return on_wait


def check_packets(got, want, what):
    """Packets got == want, reported by count and first difference rather
    than by their bytes."""
    diff = next((i for i, (g, w) in enumerate(zip(got, want)) if g != w),
                None if len(got) == len(want) else min(len(got), len(want)))
    return check(got == want, '%s: %d packets (want %d)%s' % (
        what, len(got), len(want),
        '' if diff is None else ', first difference at packet %d' % diff))


def stats_delta(before, after):
    """{port: {counter: after - before}} of two ports_stats() or
    ports_xstats() snapshots."""
    return {p: {k: after[p][k] - before[p].get(k, 0) for k in after[p]}
            for p in after}


def run_cmd(argv, timeout=30, echo=True):
    """subprocess.run(argv), its output captured (text); with echo the
    command line, its exit status and its output are printed."""
    p = subprocess.run(argv, capture_output=True, text=True,
                       timeout=timeout)
    if echo:
        print('$ %s -> %d' % (' '.join(argv), p.returncode), flush=True)
        for line in (p.stdout + p.stderr).splitlines():
            print('  | ' + line, flush=True)
    return p


def ns_exec(ns, argv, **kw):
    """run_cmd() of argv in network namespace ns."""
    return run_cmd(['ip', 'netns', 'exec', ns] + argv, **kw)


def errno_of(fn):
    """The errno fn() fails with (OSError), or 0 when it succeeds."""
    try:
        fn()
        return 0
    except OSError as e:
        return e.errno


def fd_quiet(fd, wait=0.3):
    """Nothing to read on fd for wait seconds."""
    r, _, _ = select.select([fd], [], [], wait)
    if not r:
        return True
    try:
        os.read(fd, 65536)
    except BlockingIOError:
        return True
    return False



class Telemetry:
    """A client of one DPDK process's telemetry socket (v2), what
    dpdk-telemetry.py uses."""

    def __init__(self, prefix):
        path = '/var/run/dpdk/%s/dpdk_telemetry.v2' % prefix
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.s.settimeout(10)
        self.s.connect(path)
        self.hello = json.loads(self.s.recv(65536))

    def ask(self, cmd):
        """The whole answer: {command: value}."""
        self.s.send(cmd.encode())
        return json.loads(self.s.recv(1 << 20))

    def info(self, cmd):
        """The value the command answered."""
        return self.ask(cmd)[cmd.split(',')[0]]

    def close(self):
        self.s.close()


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
        """A client writes one packet of size bytes and holds the unit;
        burst until the record was taken: (packets delivered, deltas of
        the counters in keys)."""
        _, _, before = self.burst(0)
        # lib_client send_hold: it keeps the unit until told, so the
        # packet cannot be purged by its close before a burst took it
        send = Proc([os.path.join(BUILD, 'tests', 'lib_client'), self.sock,
                     'send_hold', str(size)], 'send_hold', stdin=True,
                    echo=True)
        send.wait_output(r'^WAIT held')
        pkts, delta = [], {}
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            _, p, xs = self.burst(32)
            pkts += p
            delta = {k: xs.get(k, 0) - before.get(k, 0) for k in keys}
            if pkts or any(delta.values()):
                break
            time.sleep(0.005)
        send.proc.stdin.write(b'go\n')
        send.proc.stdin.flush()
        check_eq(send.wait(PATIENCE), 0, 'lib_client wrote one packet of %d '
                 'bytes' % size)
        send.kill(0)
        return pkts, delta

    def close(self, timeout=PATIENCE):
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


class IntrFwd(Proc):
    """app/intrfwd (an interrupt-driven forwarder, rx interrupts) on
    bsdtun units, each with a device node; started, and ended with the
    session.  lcores: its EAL -l."""
    PROG = os.path.join(BUILD, 'app', 'intrfwd', 'intrfwd')

    def __init__(self, s, units, opts=(), lcores='1', echo=True):
        self.prefix = s.new_prefix()
        self.s = s
        self.socks, self.nodes = [], []
        vdevs = []
        for i, extra in enumerate(units):
            sock = s.path('%s_u%d.sock' % (self.prefix, i))
            node = s.path('%s_n%d' % (self.prefix, i))
            self.socks.append(sock)
            self.nodes.append(node)
            vdevs.append('--vdev=net_bsdtun%d,sock=%s,cdev=%s%s' %
                         (i, sock, node, ',' + extra if extra else ''))
        argv = [self.PROG, '-l', lcores, '--no-pci', '--huge-unlink',
                '--file-prefix=' + self.prefix, '-d', PMD] + \
            vdevs + ['--', '--idle', '200'] + list(opts)
        super().__init__(argv, 'intrfwd', env=sanitizer_env(), echo=echo)
        s.procs.append(self)
        # its SIGINT handler is in place from "ready" on
        self.wait_output(r'^ready$', 0, PATIENCE)

    def sleeps(self):
        """The number of the latest sleep (0 before the first)."""
        m = re.findall(r'^sleep (\d+)$', self.output, re.M)
        return int(m[-1]) if m else 0

    def asleep(self):
        """Asleep now: its last line of the two is a sleep."""
        m = re.findall(r'^(sleep|wake) (\d+)$', self.output, re.M)
        return bool(m) and m[-1][0] == 'sleep'

    def wait_asleep(self, after=0, timeout=PATIENCE):
        """Wait until it sleeps, in a sleep later than sleep `after` (the
        one a packet woke it from: its output may lag behind)."""
        return wait_for(
            lambda: self.asleep() and self.sleeps() > after, timeout, 0.01)

    def quit(self):
        """SIGINT: its summary and every port's xstats {port: {name: v}}."""
        self.signal(signal.SIGINT)
        rc = self.wait(PATIENCE)
        check_eq(rc, 0, 'intrfwd exits 0 on SIGINT')
        self._reader.join(PATIENCE)     # its last lines: the xstats
        xs = {}
        for p, name, v in re.findall(r'^xstat (\d+) (\w+) (\d+)$',
                                     self.output, re.M):
            xs.setdefault(int(p), {})[name] = int(v)
        self.s.release_prefix(self.prefix)
        return xs


class Session:
    """Owns a temp dir, the processes started through it and the EAL file
    prefixes it handed out.  At exit it ends the processes, the latest
    first (testpmd: quit, then kill), removes what EAL left for the
    prefixes, and the dir.

    tag: the temp dir is bsdtun-TAG-XXXXXXXX; prefix: file prefixes are
    PREFIX<pid>_<n>."""

    _count = 0
    _count_lock = threading.Lock()

    def __init__(self, tag='t', prefix='bt'):
        self.tag = tag
        self.file_prefix = prefix
        self.dir = None
        self.procs = []
        self.prefixes = set()

    @property
    def pmds(self):
        return [p for p in self.procs if isinstance(p, TestPmd)]

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix='bsdtun-%s-' % self.tag)
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        self.end_processes()
        self.remove_files()

    def end_processes(self):
        """End every process started through the session, the latest
        first."""
        for p in reversed(self.procs):
            try:
                p.close()
            except Exception as e:  # noqa: BLE001 - keep cleaning up
                print('clean-up of %s: %s' % (p.name, e), file=sys.stderr,
                      flush=True)

    def remove_files(self):
        """Remove what EAL left for the session's prefixes, and the temp
        dir."""
        for pfx in list(self.prefixes):
            self.release_prefix(pfx)
        if self.dir is not None:
            self.unmount_dead_nodes()
            shutil.rmtree(self.dir, ignore_errors=True)

    def unmount_dead_nodes(self):
        """A DPDK process killed (a test that failed, a timeout) leaves
        its device nodes mounted with nobody serving them: detach those
        under the temp dir, so nothing is left behind."""
        try:
            with open('/proc/mounts') as f:
                mounts = [ln.split()[1] for ln in f
                          if ln.split()[2].startswith('fuse')]
        except OSError:
            return
        for m in mounts:
            m = codecs.decode(m, 'unicode_escape')
            if m.startswith(self.dir + '/'):
                subprocess.run(['umount', '-l', m], capture_output=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def new_prefix(self):
        with Session._count_lock:
            Session._count += 1
            pfx = '%s%d_%d' % (self.file_prefix, os.getpid(), Session._count)
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

    def spawn(self, argv, name=None, **kw):
        """Start a Proc (keywords as Proc's) that ends with the session."""
        p = Proc(argv, name, **kw)
        self.procs.append(p)
        return p

    def testpmd(self, units, args=(), eal=(), **kw):
        """A TestPmd (not started yet: start() or with) that ends with the
        session."""
        p = TestPmd(self, units, args, eal, **kw)
        self.procs.append(p)
        return p

