/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * preload_probe MODE: a plain Linux tun program, run by test_preload.py
 * under libbsdtun-preload.so (BSDTUN_PRELOAD_ENDPOINT set), that does what
 * real programs do to their tun descriptor and what a careless or hostile
 * one might.  It knows nothing of bsdtun: only system calls on
 * /dev/net/tun.  One line per check (PASS/FAIL); "WAIT send" asks the test
 * to queue one packet for it and waits for "go" on stdin.
 *
 *   plain    one write, one read; says which face it got (FACE ...).
 *   dup      dup, F_DUPFD_CLOEXEC, dup2: every copy names the open; the
 *            open ends with the last copy.
 *   fork     a child writes and closes its copy; the parent goes on.
 *   daemon   daemon(3): the parent exits, the child reads and writes.
 *   threads  a read waits in one thread while another closes.
 *   hostile  bad pointers (EFAULT), bad descriptors (EBADF), a number
 *            closed and reused, dup2 onto the tun descriptor, close and
 *            dup2 of descriptors the program never opened.
 */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/vhost.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

/* F_GETFL on a Linux tun file: O_RDWR and the kernel's O_LARGEFILE */
#define TUN_FL 0x8002

static int fails;
/* an address nothing is mapped at (the compiler must not know) */
static void *volatile bad_ptr = (void *)8;

static void
result(int ok, const char *what, long got)
{
	printf("%s %s (got %ld%s%s)\n", ok ? "PASS" : "FAIL", what, got,
	       got < 0 ? ", " : "", got < 0 ? strerror(errno) : "");
	fflush(stdout);
	if (!ok)
		fails++;
}

#define EXPECT(call, want, what)                      \
	do {                                          \
		long r_ = (long)(call);               \
		result(r_ == (long)(want), what, r_); \
	} while (0)
#define EXPECT_ERR(call, err, what)                           \
	do {                                                  \
		long r_ = (long)(call);                       \
		result(r_ == -1 && errno == (err), what, r_); \
	} while (0)

static void
wait_send(void)
{
	char line[16];

	printf("WAIT send\n");
	fflush(stdout);
	if (fgets(line, sizeof(line), stdin) == NULL)
		exit(2);
}

/* A 60-byte IPv4 packet whose last byte is tag. */
static size_t
packet(uint8_t *p, uint8_t tag)
{
	memset(p, 0, 60);
	p[0] = 0x45;
	p[3] = 60;
	p[8] = 64;
	p[9] = 17;
	p[12] = 10;
	p[15] = 1;
	p[16] = 10;
	p[19] = 2;
	p[59] = tag;
	return 60;
}

static int
tun_open(int flags)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | flags);

	if (fd < 0) {
		result(0, "open /dev/net/tun", -1);
		exit(1);
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		result(0, "TUNSETIFF", -1);
		exit(1);
	}
	return fd;
}

static void
write_tag(int fd, uint8_t tag, const char *what)
{
	uint8_t p[60];

	EXPECT(write(fd, p, packet(p, tag)), 60, what);
}

/* Read the packet the test queued (WAIT send): its 60 bytes. */
static void
read_sent(int fd, const char *what)
{
	uint8_t b[2048];

	wait_send();
	EXPECT(read(fd, b, sizeof(b)), 72, what); /* the test's packet */
}

static int
is_socket(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

static volatile pid_t reader_tid;

static void *
reader(void *arg)
{
	static uint8_t b[2048];
	int fd = *(int *)arg;

	reader_tid = (pid_t)syscall(SYS_gettid);
	return (void *)(intptr_t)read(fd, b, sizeof(b));
}

/* A read in progress keeps the open, as the kernel keeps the file. */
static void
mode_threads(void)
{
	int fd = tun_open(0), i;
	pthread_t th;
	void *ret;
	char path[64];

	pthread_create(&th, NULL, reader, &fd);
	/* wait until the reader sleeps in poll (its state in /proc) */
	for (i = 0; i < 10000; i++) {
		char st[512] = "";
		FILE *f;

		snprintf(path, sizeof(path), "/proc/self/task/%d/wchan",
		         (int)reader_tid);
		f = fopen(path, "r");
		if (f != NULL) {
			if (fgets(st, sizeof(st), f) == NULL)
				st[0] = '\0';
			fclose(f);
		}
		if (strstr(st, "poll") != NULL)
			break;
		usleep(1000);
	}
	EXPECT(close(fd), 0, "another thread closes while a read waits");
	wait_send();
	pthread_join(th, &ret);
	EXPECT((intptr_t)ret, 72, "the waiting read still gets the packet");
	fd = tun_open(0);
	result(fd >= 0, "then the open ends: the unit opens again", fd);
	write_tag(fd, 5, "and works");
	close(fd);
}

static void
mode_plain(void)
{
	int fd = tun_open(0);

	printf("FACE %s\n", is_socket(fd) ? "preload" : "node");
	write_tag(fd, 7, "write");
	read_sent(fd, "read");
	close(fd);
}

static void
mode_dup(void)
{
	int fd = tun_open(0), d, d2, d3;

	result(is_socket(fd), "the descriptor is the preload face's", fd);
	d = dup(fd);
	d2 = fcntl(fd, F_DUPFD_CLOEXEC, 100);
	result(d > fd && d2 >= 100, "dup and F_DUPFD_CLOEXEC 100", d2);
	EXPECT(fcntl(d, F_GETFD), 0, "dup: FD_CLOEXEC clear");
	EXPECT(fcntl(d2, F_GETFD), FD_CLOEXEC, "F_DUPFD_CLOEXEC: set");
	EXPECT(fcntl(d2, F_GETFL), TUN_FL, "F_GETFL as on a tun file");
	EXPECT(fcntl(d, F_SETFL, O_NONBLOCK), 0, "O_NONBLOCK on the dup");
	EXPECT(fcntl(fd, F_GETFL), TUN_FL | O_NONBLOCK, "the open shares it");
	write_tag(d, 1, "write through the dup");
	EXPECT(close(fd), 0, "close the first descriptor");
	write_tag(d2, 2, "write through F_DUPFD's copy");
	d3 = dup2(d2, 50);
	EXPECT(d3, 50, "dup2 onto 50");
	EXPECT(close(d), 0, "close the dup");
	EXPECT(close(d2), 0, "close F_DUPFD's copy");
	write_tag(50, 3, "write through dup2's copy");
	EXPECT(fcntl(50, F_SETFL, 0), 0, "blocking again");
	read_sent(50, "read through dup2's copy");
	EXPECT(close(50), 0, "close the last copy");
	EXPECT_ERR(write(50, "x", 1), EBADF, "closed: write EBADF");
	/* the open ended with the last copy: the unit is free again */
	fd = tun_open(0);
	result(fd >= 0, "the unit opens again", fd);
	close(fd);
}

static void
mode_fork(void)
{
	int fd = tun_open(0), st = 0;
	pid_t pid;

	write_tag(fd, 1, "parent writes before fork");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		write_tag(fd, 2, "child writes");
		EXPECT(close(fd), 0, "child closes its copy");
		_exit(fails ? 1 : 0);
	}
	EXPECT(waitpid(pid, &st, 0), pid, "child done");
	EXPECT(st, 0, "child's checks passed");
	write_tag(fd, 3, "parent writes after the child closed");
	read_sent(fd, "parent reads");
	close(fd);
}

static void
mode_daemon(void)
{
	int fd = tun_open(0);

	write_tag(fd, 1, "write before daemon()");
	fflush(stdout);
	if (daemon(1, 1) < 0) {
		result(0, "daemon", -1);
		return;
	}
	/* the child of a parent that has exited */
	write_tag(fd, 2, "daemon: write");
	read_sent(fd, "daemon: read");
	close(fd);
}

/* What cannot carry the descriptor is refused, with a message. */
static void
cannot_carry(int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))], x = 'x';
	struct iovec iov = { .iov_base = &x, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov,
		            .msg_iovlen = 1,
		            .msg_control = cbuf,
		            .msg_controllen = sizeof(cbuf) };
	struct vhost_vring_file vf = { .index = 0, .fd = fd };
	struct cmsghdr *c;
	int sp[2], st = 0;
	pid_t pid;

	memset(cbuf, 0, sizeof(cbuf));
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sp) < 0)
		return;
	EXPECT_ERR(sendmsg(sp[0], &m, 0), EOPNOTSUPP,
	           "SCM_RIGHTS of the tun descriptor refused");
	EXPECT_ERR(ioctl(sp[0], VHOST_NET_SET_BACKEND, &vf), EOPNOTSUPP,
	           "VHOST_NET_SET_BACKEND with it refused");
	close(sp[0]);
	close(sp[1]);
	/* exec keeping it: the new program finds it closed (message) */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char num[16];
		char *argv[] = {
			"sh", "-c",
			"if [ -e /proc/self/fd/$0 ]; then echo FAIL exec: "
			"descriptor $0 kept; else echo PASS exec: descriptor "
			"$0 closed in the new program; fi",
			num, NULL
		};

		snprintf(num, sizeof(num), "%d", fd);
		execv("/bin/sh", argv);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	EXPECT(st, 0, "the exec'd program ran");
}

/* A buffer that was good once and is gone now: EFAULT, not a crash. */
static void
gone_buffers(int fd)
{
	uint8_t *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *q = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	EXPECT(write(fd, p, packet(p, 6)), 60, "write from a mapped page");
	munmap(p, 4096);
	EXPECT_ERR(write(fd, p, 60), EFAULT, "the page unmapped: EFAULT");
	EXPECT(write(fd, q, packet(q, 6)), 60, "write from another page");
	mprotect(q, 4096, PROT_NONE);
	EXPECT_ERR(write(fd, q, 60), EFAULT, "the page PROT_NONE: EFAULT");
	munmap(q, 4096);
}

static void
mode_hostile(void)
{
	int fd = tun_open(O_NONBLOCK), f, n, i, closed = 0, own[2];
	struct iovec *bad_iov = bad_ptr;
	void *bad = bad_ptr;
	struct ifreq ifr;
	char a[64], b[64];

	EXPECT_ERR(read(fd, a, sizeof(a)), EAGAIN, "nothing queued: EAGAIN");
	gone_buffers(fd);
	EXPECT_ERR(write(fd, bad, 60), EFAULT, "write from a bad pointer");
	EXPECT_ERR(writev(fd, bad_iov, 1), EFAULT, "writev of a bad iovec");
	EXPECT_ERR(ioctl(fd, TUNGETIFF, bad), EFAULT,
	           "TUNGETIFF to a bad pointer");
	EXPECT_ERR(ioctl(fd, TUNSETIFF, bad), EFAULT,
	           "TUNSETIFF from a bad pointer");
	wait_send();
	for (i = 0; i < 1000; i++) { /* the packet is on its way */
		n = (int)read(fd, bad, 100);
		if (n >= 0 || errno != EAGAIN)
			break;
		usleep(1000);
	}
	result(n == -1 && errno == EFAULT,
	       "a queued packet read to a bad "
	       "pointer: EFAULT",
	       n);
	EXPECT_ERR(read(fd, a, sizeof(a)), EAGAIN,
	           "and the packet is gone, as on Linux");
	EXPECT_ERR(readv(fd, bad_iov, 1), EFAULT, "readv of a bad iovec");
	cannot_carry(fd);
	EXPECT_ERR(read(-1, a, 1), EBADF, "read(-1)");
	EXPECT_ERR(read(1 << 20, a, 1), EBADF, "read of a huge descriptor");
	EXPECT_ERR(ioctl(9999, TUNGETIFF, &ifr), EBADF, "ioctl on no file");

	/* Descriptors the program never opened are not its to close. */
	for (i = 3; i < 4096 && closed < 2; i++)
		if (i != fd && is_socket(i))
			own[closed++] = i;
	result(closed == 2, "the face keeps two descriptors of its own",
	       closed);
	for (i = 0; i < closed; i++) {
		EXPECT_ERR(close(own[i]), EBADF,
		           "close of the face's own descriptor");
		EXPECT_ERR(dup2(own[i], 200), EBADF,
		           "dup2 from the face's own descriptor");
		EXPECT_ERR(dup(own[i]), EBADF, "dup of it");
		EXPECT_ERR(fcntl(own[i], F_GETFD), EBADF, "fcntl on it");
		EXPECT_ERR(read(own[i], a, sizeof(a)), EBADF, "read of it");
		EXPECT_ERR(write(own[i], a, 1), EBADF, "write to it");
	}
	f = open("/proc/self/comm", O_RDONLY);
	for (i = 0; i < closed; i++)
		EXPECT(dup2(f, own[i]), own[i],
		       "dup2 onto the face's own number");
	write_tag(fd, 4, "the open still works afterwards");
	EXPECT(ioctl(fd, TUNGETIFF, &ifr), 0, "TUNGETIFF still answers");

	/* A closed number, reused by a file, is the file's. */
	EXPECT(close(fd), 0, "close the tun descriptor");
	n = open("/proc/self/comm", O_RDONLY);
	result(n == fd, "the number is reused by a file", n);
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	EXPECT(read(n, a, sizeof(a)) > 0 && pread(f, b, sizeof(b), 0) > 0 &&
	               strcmp(a, b) == 0,
	       1, "read gets the file's bytes, not a packet");
	EXPECT_ERR(ioctl(n, TUNGETIFF, &ifr), ENOTTY, "TUNGETIFF: ENOTTY");
	close(n);

	/* dup2 of a file onto a tun descriptor ends the open. */
	fd = tun_open(O_NONBLOCK);
	EXPECT(dup2(f, fd), fd, "dup2 of a file onto the tun descriptor");
	memset(a, 0, sizeof(a));
	EXPECT(pread(fd, a, sizeof(a), 0) > 0 && strcmp(a, b) == 0, 1,
	       "it names the file now");
	close(fd);
	n = tun_open(0);
	result(n >= 0, "the unit was freed: it opens again", n);
	close(n);
	close(f);
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr,
		        "usage: preload_probe plain|dup|fork|daemon|threads|hostile\n");
		return 2;
	}
	if (!strcmp(argv[1], "plain"))
		mode_plain();
	else if (!strcmp(argv[1], "threads"))
		mode_threads();
	else if (!strcmp(argv[1], "dup"))
		mode_dup();
	else if (!strcmp(argv[1], "fork"))
		mode_fork();
	else if (!strcmp(argv[1], "daemon"))
		mode_daemon();
	else if (!strcmp(argv[1], "hostile"))
		mode_hostile();
	else
		return 2;
	return fails ? 1 : 0;
}
