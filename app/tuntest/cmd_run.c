/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tuntest run [--netns NS] [--ifname NAME [--tap]] NODE -- PROGRAM [ARGS...]:
 * run an unmodified Linux tun program against a unit.
 *
 * PROGRAM runs in a mount namespace of its own in which the unit's device
 * node NODE is bind-mounted over /dev/net/tun, so its open("/dev/net/tun")
 * and TUNSETIFF reach the unit (the Linux tun personality, doc/cdev.md).
 * The namespace is made private before anything is mounted in it: the
 * host's /dev/net/tun stays the kernel's, and the mounts go away with the
 * last process of the namespace.
 *
 * A program that configures "its" interface through the kernel (ip addr
 * add dev NAME, SIOCSIFADDR) needs a kernel interface of that name: with
 * --ifname, tuntest run creates an idle kernel tun (or tap) NAME through
 * the real /dev/net/tun before the bind mount and keeps it attached to a
 * descriptor of its own, not persistent: the kernel deletes it when that
 * descriptor closes, at the program's end or when tuntest run itself dies,
 * whatever kills it.  A NAME that exists already is left alone.
 *
 * The order matters: the network namespace is entered first (a tun device
 * belongs to the namespace its /dev/net/tun file was opened in), then the
 * kernel device is made through the host's /dev/net/tun, then the mount
 * namespace is unshared and the node mounted.  tuntest run stays in both
 * namespaces and waits for PROGRAM, passing SIGINT, SIGTERM, SIGHUP,
 * SIGQUIT, SIGUSR1 and SIGUSR2 on to it.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/if_tun.h>
#include <linux/magic.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tuntest.h"

#define TUN_PATH    "/dev/net/tun"
#define NODE_FSTYPE "fuse.bsdtun" /* a unit's device node in mountinfo */
#define EXIT_NOEXEC 126           /* PROGRAM found, cannot be run */
#define EXIT_NOENT  127           /* PROGRAM not found */

struct run_opts {
	const char *netns;  /* NULL: this process's network namespace */
	const char *ifname; /* NULL: no kernel interface */
	bool tap;
	const char *preload; /* --preload SOCK: the endpoint, or NULL */
	const char *node;
	char **argv; /* PROGRAM and its arguments */
};

static const char run_desc[] =
        "Run PROGRAM, an unmodified Linux tun program, against the unit "
        "whose device\nnode (devarg cdev=) is NODE; options go before "
        "\"--\".  PROGRAM runs in a\nprivate mount namespace in which "
        "NODE is bind-mounted over /dev/net/tun\n(created there if this "
        "machine has none), so its open(\"/dev/net/tun\") and\n"
        "TUNSETIFF open the unit as a Linux tun file; TUNGETIFF answers "
        "the name it\nasked for.  Nothing is mounted outside that "
        "namespace.  For example:\n"
        "  tuntest run --netns vpn --ifname tun0 /run/bsdtun/tun0 -- \\\n"
        "      openvpn --dev tun0 --ifconfig 10.8.0.1 10.8.0.2 ...\n\n"
        "--ifname NAME first creates, in PROGRAM's network namespace, a "
        "kernel tun\ndevice NAME (a tap device with --tap) through the "
        "kernel's /dev/net/tun, so\nthat PROGRAM's 'ip addr add ... dev "
        "NAME' or SIOCSIFADDR find an interface\nof the name it "
        "configures.  That device is idle: PROGRAM's packets go\nthrough "
        "the unit, never through it, and nothing reads what the kernel "
        "routes\nto it.  It is removed when PROGRAM ends (it is held by a "
        "descriptor of\ntuntest run, so also when tuntest run is killed); "
        "a NAME that exists already\nis used as it is and left in place.\n\n"
        "PROGRAM sees a regular file at /dev/net/tun (not the character "
        "device 10:200)\nthat one process at a time may hold (the unit's "
        "one holder; EBUSY else),\nanswers Linux's tun ioctls as the unit "
        "does (no IFF_VNET_HDR, no kernel\ninterface behind TUNSETIFF), and "
        "cannot make kernel tun devices (ip tuntap\nadd) through it.  With "
        "--netns, /sys is remounted for that namespace, as\nip netns exec "
        "does.  Needs root (CAP_SYS_ADMIN for the mount namespace,\n"
        "CAP_NET_ADMIN for --netns and --ifname).  SIGINT, SIGTERM, SIGHUP, "
        "SIGQUIT,\nSIGUSR1 and SIGUSR2 sent to tuntest run are passed on to "
        "PROGRAM (not a\nterminal's ^C, which reaches PROGRAM directly); "
        "PROGRAM dies with SIGTERM\nif tuntest run is killed.\n"
        "Exit status: PROGRAM's (killed by a signal: tuntest run kills "
        "itself with it);\n2 usage error, NODE missing or not a device "
        "node, NS missing, NAME bad or\nnot creatable, a mount failed; 126 "
        "PROGRAM cannot be run; 127 not found.\n\n"
        "--preload SOCK also loads libbsdtun-preload.so into PROGRAM "
        "(LD_PRELOAD,\nBSDTUN_PRELOAD_ENDPOINT=SOCK): a dynamically linked "
        "PROGRAM's open of\n/dev/net/tun then opens the unit served at SOCK "
        "on its shared-memory rings,\nwith no FUSE round trip per call; "
        "what it cannot honour (exec, SCM_RIGHTS,\nvhost-net) is refused "
        "with a message.  A statically linked or Go PROGRAM\nmakes its "
        "system calls itself: tuntest run says so and it gets NODE, as\n"
        "without --preload.  BSDTUN_PRELOAD_LIB names another build of the "
        "library.";

static const char run_options[] =
        "  --netns NS     run PROGRAM in network namespace NS (a name under\n"
        "                 /run/netns, or a path such as /proc/PID/ns/net)\n"
        "  --ifname NAME  create an idle kernel tun device NAME there for "
        "the\n                 program's ip(8) or SIOCSIFADDR (removed at "
        "the end)\n"
        "  --tap          with --ifname: a tap device instead\n"
        "  --preload SOCK serve PROGRAM's open(\"/dev/net/tun\") from the "
        "unit's\n                 shared memory (the unit's sock=, "
        "doc/preload.md); a\n                 program the preload face "
        "cannot serve gets NODE\n";

static int
usage_fail(const char *msg, const char *arg)
{
	fprintf(stderr, "tuntest run: %s%s%s\ntry 'tuntest run --help'\n", msg,
	        arg ? ": " : "", arg ? arg : "");
	return TT_EXIT_USAGE;
}

/* Linux's dev_valid_name(), and the length IFNAMSIZ leaves. */
static const char *
ifname_problem(const char *n)
{
	if (n[0] == '\0')
		return "empty";
	if (strlen(n) >= IFNAMSIZ)
		return "longer than 15 characters";
	if (!strcmp(n, ".") || !strcmp(n, ".."))
		return "not a name";
	for (; *n != '\0'; n++)
		if (*n == '/' || *n == ':' || *n == ' ' ||
		    (*n >= '\t' && *n <= '\r'))
			return "contains '/', ':' or white space";
	return NULL;
}

/* Returns -1 to go on, else the exit status. */
static int
run_parse(const struct tt_cmd *cmd, int argc, char **argv, struct run_opts *o)
{
	static const struct option lo[] = {
		{ "netns", required_argument, NULL, 'n' },
		{ "ifname", required_argument, NULL, 'i' },
		{ "tap", no_argument, NULL, 't' },
		{ "preload", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *bad;
	int dd, c;

	memset(o, 0, sizeof(*o));
	/* Options and NODE come before "--", PROGRAM's words after it. */
	for (dd = 1; dd < argc; dd++)
		if (!strcmp(argv[dd], "--"))
			break;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(dd, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'h':
			tt_help(cmd, stdout);
			return TT_EXIT_OK;
		case 'n':
			o->netns = optarg;
			break;
		case 'i':
			o->ifname = optarg;
			break;
		case 't':
			o->tap = true;
			break;
		case 'p':
			o->preload = optarg;
			break;
		default:
			return usage_fail("unknown option or missing value",
			                  argv[optind - 1]);
		}
	}
	if (dd - optind != 1 || dd + 1 >= argc)
		return usage_fail("expected", cmd->args);
	o->node = argv[optind];
	o->argv = argv + dd + 1;
	if (o->tap && o->ifname == NULL)
		return usage_fail("--tap needs --ifname", NULL);
	if (o->ifname != NULL && (bad = ifname_problem(o->ifname)) != NULL) {
		fprintf(stderr, "tuntest run: --ifname '%s': %s\n", o->ifname,
		        bad);
		return TT_EXIT_USAGE;
	}
	return -1;
}

/* ---- NODE --------------------------------------------------------------- */

/* Undo mountinfo's octal escapes (\040 for a space...) in place. */
static void
unescape(char *s)
{
	char *d = s;

	while (*s != '\0') {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
			              (s[3] - '0'));
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
}

/*
 * The file system type of the mount whose mount point is path (absolute,
 * resolved), "" when path is no mount point.  The last such line of
 * mountinfo is the mount on top.
 */
static int
mount_type(const char *path, char *type, size_t size)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f;

	type[0] = '\0';
	f = fopen("/proc/self/mountinfo", "re");
	if (f == NULL)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		/* id parent major:minor root mountpoint opts... - type ... */
		char *mp, *sep, *ty, *save = NULL;
		int i;

		mp = strtok_r(line, " ", &save);
		for (i = 0; i < 4 && mp != NULL; i++)
			mp = strtok_r(NULL, " ", &save);
		sep = mp == NULL ? NULL : strtok_r(NULL, "\n", &save);
		sep = sep == NULL ? NULL : strstr(sep, " - ");
		if (sep == NULL)
			continue;
		unescape(mp);
		if (strcmp(mp, path) != 0)
			continue;
		ty = strtok_r(sep + 3, " ", &save);
		if (ty != NULL)
			snprintf(type, size, "%s", ty);
	}
	free(line);
	fclose(f);
	return 0;
}

/* NODE must be a unit's device node: a regular file that is the root of a
 * fuse.bsdtun mount.  0, or -1 after a message. */
static int
node_check(const char *node)
{
	char real[PATH_MAX], type[64];
	struct statfs sf;
	struct stat st;

	if (stat(node, &st) < 0 || realpath(node, real) == NULL) {
		fprintf(stderr, "tuntest run: %s: %s\n", node, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr,
		        "tuntest run: %s: not a device node (a unit's node "
		        "is a regular file; this is %s)\n",
		        node,
		        S_ISCHR(st.st_mode)  ? "a character device" :
		        S_ISDIR(st.st_mode)  ? "a directory" :
		        S_ISSOCK(st.st_mode) ? "a socket" :
		                               "no regular file");
		return -1;
	}
	if (statfs(real, &sf) < 0 || sf.f_type != FUSE_SUPER_MAGIC ||
	    mount_type(real, type, sizeof(type)) < 0 ||
	    strcmp(type, NODE_FSTYPE) != 0) {
		fprintf(stderr,
		        "tuntest run: %s: not a device node (no %s mount "
		        "on it: is the DPDK application running with "
		        "cdev=%s?)\n",
		        node, NODE_FSTYPE, real);
		return -1;
	}
	return 0;
}

/* ---- namespaces --------------------------------------------------------- */

/* Open NS (a name under /run/netns, or a path): its fd, or -1. */
static int
netns_open(const char *ns)
{
	char path[PATH_MAX];
	int fd;

	if (strchr(ns, '/') != NULL)
		snprintf(path, sizeof(path), "%s", ns);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fprintf(stderr, "tuntest run: --netns %s: %s: %s\n", ns, path,
		        strerror(errno));
	return fd;
}

/*
 * The idle kernel device NAME, made through the kernel's /dev/net/tun in
 * the current network namespace.  Its descriptor (the device lives as long
 * as it is open: not persistent); -2 when NAME exists already (left
 * alone); -1 after a message.
 */
static int
kernel_dev_create(const struct run_opts *o)
{
	struct ifreq ifr;
	struct stat st;
	int fd;

	if (stat(TUN_PATH, &st) < 0 || !S_ISCHR(st.st_mode)) {
		fprintf(stderr,
		        "tuntest run: --ifname needs the kernel's %s (%s)\n",
		        TUN_PATH,
		        errno == ENOENT ? "missing" : "not a character device");
		return -1;
	}
	fd = open(TUN_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "tuntest run: %s: %s\n", TUN_PATH,
		        strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	/* EXCL: an existing NAME of any kind answers EBUSY */
	ifr.ifr_flags = (short)((o->tap ? IFF_TAP : IFF_TUN) | IFF_NO_PI |
	                        IFF_TUN_EXCL);
	memcpy(ifr.ifr_name, o->ifname, strlen(o->ifname));
	if (ioctl(fd, TUNSETIFF, &ifr) == 0)
		return fd;
	close(fd);
	if (errno == EBUSY) {
		fprintf(stderr,
		        "tuntest run: %s exists in this network namespace: "
		        "used as it is\n",
		        o->ifname);
		return -2;
	}
	fprintf(stderr, "tuntest run: --ifname %s: TUNSETIFF: %s\n", o->ifname,
	        strerror(errno));
	return -1;
}

/* An empty regular file at path (a mount point for a file). */
static int
make_file(const char *path, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/*
 * A machine without /dev/net: a tmpfs over /dev, with everything of the
 * old /dev bound back into it (reached through a descriptor opened
 * before), then /dev/net.  Inside the private namespace only.
 */
static int
dev_rebuild(void)
{
	char src[PATH_MAX], dst[PATH_MAX], link[PATH_MAX];
	struct dirent *e;
	DIR *d;
	int old;

	old = open("/dev", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (old < 0)
		return -1;
	if (mount("tmpfs", "/dev", "tmpfs", MS_NOSUID, "mode=0755") < 0 ||
	    (d = fdopendir(dup(old))) == NULL) {
		close(old);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		struct stat st;
		ssize_t n;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fstatat(old, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		snprintf(src, sizeof(src), "/proc/self/fd/%d/%s", old,
		         e->d_name);
		snprintf(dst, sizeof(dst), "/dev/%s", e->d_name);
		if (S_ISLNK(st.st_mode)) {
			n = readlinkat(old, e->d_name, link, sizeof(link) - 1);
			if (n >= 0) {
				link[n] = '\0';
				if (symlink(link, dst) < 0)
					fprintf(stderr, "tuntest run: %s: %s\n",
					        dst, strerror(errno));
			}
		} else if (S_ISDIR(st.st_mode)) {
			if (mkdir(dst, st.st_mode & 07777) == 0)
				(void)mount(src, dst, NULL, MS_BIND | MS_REC,
				            NULL);
		} else if (make_file(dst, st.st_mode & 07777) == 0) {
			(void)mount(src, dst, NULL, MS_BIND, NULL);
		}
	}
	closedir(d);
	close(old);
	return mkdir("/dev/net", 0755);
}

/*
 * In a new mount namespace, private from its root down: NODE over
 * /dev/net/tun (made first when missing: a tmpfs over /dev/net, or over
 * /dev without /dev/net), and with --netns a /sys of that namespace.
 * 0, or -1 after a message.
 */
static int
mount_ns_setup(const struct run_opts *o)
{
	const char *what;
	struct stat st;

	what = "unshare(CLONE_NEWNS)";
	if (unshare(CLONE_NEWNS) < 0)
		goto fail;
	what = "making / private";
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		goto fail;
	/* ip netns exec's /sys: the interfaces of the namespace entered */
	if (o->netns != NULL && (umount2("/sys", MNT_DETACH) < 0 ||
	                         mount(o->netns, "/sys", "sysfs", 0, NULL) < 0))
		fprintf(stderr,
		        "tuntest run: warning: /sys not remounted for --netns "
		        "%s: %s\n",
		        o->netns, strerror(errno));
	if (stat(TUN_PATH, &st) < 0) {
		what = "stat " TUN_PATH;
		if (errno != ENOENT)
			goto fail;
		if (stat("/dev/net", &st) == 0) {
			what = "a tmpfs over /dev/net";
			if (mount("tmpfs", "/dev/net", "tmpfs",
			          MS_NOSUID | MS_NOEXEC, "mode=0755") < 0)
				goto fail;
		} else {
			what = "a tmpfs over /dev with /dev/net";
			if (dev_rebuild() < 0)
				goto fail;
		}
		what = "creating " TUN_PATH;
		if (make_file(TUN_PATH, 0666) < 0)
			goto fail;
	}
	what = "bind-mounting the node over " TUN_PATH;
	if (mount(o->node, TUN_PATH, NULL, MS_BIND, NULL) < 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "tuntest run: %s: %s%s\n", what, strerror(errno),
	        errno == EPERM ? " (needs root: CAP_SYS_ADMIN)" : "");
	return -1;
}

/* ---- PROGRAM ------------------------------------------------------------ */

/* PROGRAM's file as execvp() would find it, in path (PATH_MAX). */
static int
program_path(const char *prog, char *path)
{
	const char *p = getenv("PATH");

	if (strchr(prog, '/') != NULL) {
		snprintf(path, PATH_MAX, "%s", prog);
		return access(path, X_OK);
	}
	if (p == NULL)
		p = "/usr/local/bin:/usr/bin:/bin";
	while (*p != '\0') {
		size_t n = strcspn(p, ":");

		snprintf(path, PATH_MAX, "%.*s/%s", (int)n, n ? p : ".", prog);
		if (access(path, X_OK) == 0)
			return 0;
		p += n + (p[n] == ':');
	}
	return -1;
}

/*
 * Can the preload face serve PROGRAM?  Not when it is statically linked
 * (no PT_INTERP: the dynamic linker never loads the library) or a Go
 * program (a .go.buildinfo section: it makes its system calls itself).
 * NULL when it can, else why not.
 */
static const char *
preload_problem(const char *prog)
{
	char path[PATH_MAX];
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	Elf64_Shdr sh, strs;
	const char *why = "statically linked";
	int fd, i;

	if (program_path(prog, path) < 0)
		return NULL; /* exec says what is wrong */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64) {
		close(fd);
		return NULL; /* a script: its interpreter decides */
	}
	for (i = 0; i < eh.e_phnum; i++)
		if (pread(fd, &ph, sizeof(ph),
		          (off_t)(eh.e_phoff + (uint64_t)i * eh.e_phentsize)) ==
		            sizeof(ph) &&
		    ph.p_type == PT_INTERP)
			why = NULL;
	if (why == NULL && eh.e_shstrndx < eh.e_shnum &&
	    pread(fd, &strs, sizeof(strs),
	          (off_t)(eh.e_shoff + (uint64_t)eh.e_shstrndx *
	                                       eh.e_shentsize)) == sizeof(strs))
		for (i = 0; i < eh.e_shnum && why == NULL; i++) {
			char name[16] = "";

			if (pread(fd, &sh, sizeof(sh),
			          (off_t)(eh.e_shoff +
			                  (uint64_t)i * eh.e_shentsize)) !=
			    sizeof(sh))
				break;
			if (pread(fd, name, sizeof(name) - 1,
			          (off_t)(strs.sh_offset + sh.sh_name)) > 0 &&
			    strcmp(name, ".go.buildinfo") == 0)
				why = "a Go program";
		}
	close(fd);
	return why;
}

/* The preload library: BSDTUN_PRELOAD_LIB, this build's, the installed. */
static int
preload_lib(char *lib)
{
	const char *env = getenv("BSDTUN_PRELOAD_LIB");
	char exe[PATH_MAX];
	ssize_t n;

	if (env != NULL && env[0] != '\0') {
		snprintf(lib, PATH_MAX, "%s", env);
		return access(lib, R_OK);
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash != NULL) {
			*slash = '\0';
			/* build tree: app/tuntest/ beside lib/bsdtun/ */
			if (snprintf(lib, PATH_MAX,
			             "%.3000s/../../lib/bsdtun/"
			             "libbsdtun-preload.so",
			             exe) < PATH_MAX &&
			    access(lib, R_OK) == 0)
				return 0;
		}
	}
	snprintf(lib, PATH_MAX, "%s", BSDTUN_PRELOAD_INSTALLED);
	return access(lib, R_OK);
}

/* PROGRAM's environment for --preload; 0, or -1 after a message. */
static int
preload_env(const struct run_opts *o)
{
	char lib[PATH_MAX];
	const char *why, *old = getenv("LD_PRELOAD");
	char *v;

	why = preload_problem(o->argv[0]);
	if (why != NULL) {
		fprintf(stderr,
		        "tuntest run: %s is %s: the preload face cannot serve "
		        "it, it gets the device node %s\n",
		        o->argv[0], why, o->node);
		return 0;
	}
	if (preload_lib(lib) < 0) {
		fprintf(stderr, "tuntest run: --preload: %s: %s\n", lib,
		        strerror(errno));
		return -1;
	}
	/* after what is there: a sanitizer's runtime must come first */
	if (asprintf(&v, "%s%s%s", old != NULL ? old : "",
	             old != NULL && old[0] ? " " : "", lib) < 0)
		return -1;
	setenv("LD_PRELOAD", v, 1);
	setenv("BSDTUN_PRELOAD_ENDPOINT", o->preload, 1);
	free(v);
	return 0;
}

/* The child: PROGRAM, or its exec errno on the pipe. */
static void
child_exec(const struct run_opts *o, const sigset_t *mask, pid_t parent,
           int errfd)
{
	int e;

	/* dies with tuntest run (the kernel device goes with it) */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(EXIT_NOEXEC);
	sigprocmask(SIG_SETMASK, mask, NULL);
	if (o->preload != NULL && preload_env(o) < 0)
		_exit(EXIT_NOEXEC);
	execvp(o->argv[0], o->argv);
	e = errno;
	if (write(errfd, &e, sizeof(e)) < 0)
		e = 0;
	_exit(e == ENOENT ? EXIT_NOENT : EXIT_NOEXEC);
}

/*
 * Wait for the child, passing signals on.  A signal the kernel sent
 * (SI_KERNEL: a terminal's ^C or hang-up, sent to the whole foreground
 * process group) reached the child as well and is not sent twice.  The
 * child's wait status.
 */
static int
supervise(pid_t child, const sigset_t *set)
{
	int status = 0;

	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(set, &si);

		if (sig < 0)
			continue; /* EINTR */
		if (sig == SIGCHLD) {
			if (waitpid(child, &status, WNOHANG) == child)
				return status;
			continue;
		}
		if (si.si_code != SI_KERNEL)
			kill(child, sig);
	}
}

static int
run_run(const struct tt_cmd *cmd, int argc, char **argv)
{
	static const int passed[] = { SIGINT,  SIGTERM, SIGHUP,
		                      SIGQUIT, SIGUSR1, SIGUSR2 };
	struct run_opts o;
	sigset_t set, old;
	int r, nsfd = -1, kfd = -1, pipefd[2], e, status;
	struct sigaction sa;
	struct rlimit no_core = { 0, 0 };
	pid_t child, self = getpid();
	ssize_t n;
	size_t i;

	r = run_parse(cmd, argc, argv, &o);
	if (r >= 0)
		return r;
	if (node_check(o.node) < 0)
		return TT_EXIT_USAGE;
	if (o.netns != NULL) {
		nsfd = netns_open(o.netns);
		if (nsfd < 0)
			return TT_EXIT_USAGE;
		if (setns(nsfd, CLONE_NEWNET) < 0) {
			fprintf(stderr, "tuntest run: --netns %s: setns: %s\n",
			        o.netns,
			        errno == EINVAL ? "not a network namespace" :
			                          strerror(errno));
			close(nsfd);
			return TT_EXIT_USAGE;
		}
		close(nsfd);
	}
	if (o.ifname != NULL) {
		kfd = kernel_dev_create(&o);
		if (kfd == -1)
			return TT_EXIT_USAGE;
	}
	r = TT_EXIT_USAGE;
	if (mount_ns_setup(&o) < 0)
		goto out;

	/* Signals wait in sigwaitinfo() from here; the child gets the old
	 * mask back before exec. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (i = 0; i < sizeof(passed) / sizeof(passed[0]); i++)
		sigaddset(&set, passed[i]);
	sigprocmask(SIG_BLOCK, &set, &old);
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		fprintf(stderr, "tuntest run: pipe: %s\n", strerror(errno));
		goto out_mask;
	}
	fflush(NULL);
	child = fork();
	if (child < 0) {
		fprintf(stderr, "tuntest run: fork: %s\n", strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		goto out_mask;
	}
	if (child == 0) {
		close(pipefd[0]);
		child_exec(&o, &old, self, pipefd[1]);
	}
	close(pipefd[1]);
	do
		n = read(pipefd[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	if (n == sizeof(e))
		fprintf(stderr, "tuntest run: %s: %s\n", o.argv[0],
		        strerror(e));
	status = supervise(child, &set);

	/* the kernel device goes before tuntest run reports */
	if (kfd >= 0)
		close(kfd);
	kfd = -1;
	if (WIFEXITED(status)) {
		r = WEXITSTATUS(status);
		goto out_mask;
	}
	/* Killed by a signal: the same end, without a core of our own. */
	r = 128 + WTERMSIG(status);
	setrlimit(RLIMIT_CORE, &no_core);
	sa.sa_handler = SIG_DFL;
	sigaction(WTERMSIG(status), &sa, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	sigemptyset(&set);
	sigaddset(&set, WTERMSIG(status));
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	fflush(NULL);
	raise(WTERMSIG(status));
	return r;
out_mask:
	sigprocmask(SIG_SETMASK, &old, NULL);
out:
	if (kfd >= 0)
		close(kfd);
	return r;
}

const struct tt_cmd tt_cmd_run = {
	.name = "run",
	.args = "NODE -- PROGRAM [ARGS...]",
	.nargs = 1,
	.brief = "run a Linux tun program with a unit as its /dev/net/tun",
	.desc = run_desc,
	.options = run_options,
	.opts = 0,
	.run = run_run,
};
