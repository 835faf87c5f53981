/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A hostile caller of the device node (test_cdev_hostile.py): it hands the
 * node a struct ifreq that straddles the end of an anonymous page and the
 * start of a mapping whose page-in the node itself, or the caller, must
 * answer, so that reading the 40 bytes faults into FUSE.
 *
 *   node_wedge self NODE
 *	the second page is the node file itself, mapped MAP_PRIVATE after
 *	one written packet (the kernel then believes the file has data)
 *   node_wedge flood NODE SECONDS
 *	TUNSETIFF with an ifreq that ends in unmapped memory, for SECONDS
 *   node_wedge fuse NODE FILE
 *	the second page is FILE, the root of a FUSE mount this program
 *	serves itself and whose reads it never answers (fusermount3 lets
 *	any user mount one on a file the user owns)
 *
 * It prints "WAIT inflight" just before the ioctl (the harness then
 * watches /proc for the caller blocked in it), and at the end
 * "ioctl ret R errno E".  stdin closing (or SIGTERM) ends the FUSE server.
 */
#define FUSE_USE_VERSION 35

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <fuse_lowlevel.h>

#define PAGE 4096

static void
die(const char *what)
{
	printf("FAIL %s: %s\n", what, strerror(errno));
	exit(1);
}

/* ---- a FUSE file whose reads are never answered ------------------------- */

static void
stall_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	memset(&st, 0, sizeof(st));
	st.st_ino = ino;
	st.st_mode = S_IFREG | 0644;
	st.st_nlink = 1;
	st.st_uid = getuid();
	st.st_gid = getgid();
	st.st_size = PAGE;
	fuse_reply_attr(req, &st, 0.0);
}

static void
stall_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	fuse_reply_open(req, fi);
}

static void
stall_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
           struct fuse_file_info *fi)
{
	/* never answered: the reader waits until the mount goes away */
	(void)req;
	(void)ino;
	(void)size;
	(void)off;
	(void)fi;
	printf("WAIT stalled_read\n");
	fflush(stdout);
}

static const struct fuse_lowlevel_ops stall_ops = {
	.getattr = stall_getattr,
	.open = stall_open,
	.read = stall_read,
};

static void *
serve(void *arg)
{
	fuse_session_loop(arg);
	return NULL;
}

static struct fuse_session *
stall_mount(const char *file)
{
	char *argv[] = { (char *)"node_wedge", (char *)"-o",
		         (char *)"fsname=stall", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, argv);
	struct fuse_session *se;
	pthread_t th;

	se = fuse_session_new(&args, &stall_ops, sizeof(stall_ops), NULL);
	if (se == NULL || fuse_session_mount(se, file) != 0) {
		errno = EIO;
		die("fuse mount");
	}
	if (pthread_create(&th, NULL, serve, se) != 0)
		die("pthread_create");
	pthread_detach(th);
	return se;
}

/*
 * For SECONDS, TUNSETIFF with a struct ifreq whose first 4 bytes (what
 * FUSE copies) are readable and the rest unmapped: each request makes the
 * node fail EFAULT, and would make it log.  Prints "COUNT n" (EFAULTs).
 */
static int
flood(int node, int seconds)
{
	struct timespec now, end;
	unsigned long n = 0;
	uint8_t *area;

	area = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
	            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED || munmap(area + PAGE, PAGE) < 0)
		die("mmap");
	memcpy(area + PAGE - 4, "tun", 4);
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += seconds;
	do {
		if (ioctl(node, TUNSETIFF, area + PAGE - 4) < 0 &&
		    errno == EFAULT)
			n++;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec < end.tv_sec ||
	         (now.tv_sec == end.tv_sec && now.tv_nsec < end.tv_nsec));
	printf("COUNT %lu\n", n);
	return 0;
}

/* ---- the attack ----------------------------------------------------------- */

int
main(int argc, char **argv)
{
	static const uint8_t pkt[20] = { 0x45, 0, 0,  20, 0, 0, 0,  0, 64, 17,
		                         0,    0, 10, 9,  0, 1, 10, 9, 0,  2 };
	struct fuse_session *se = NULL;
	uint8_t buf[2048];
	struct stat st;
	const char *backing;
	uint8_t *area;
	int node, fd, ret, err;

	if (argc < 3 || (strcmp(argv[1], "self") != 0 && argc < 4)) {
		fprintf(stderr,
		        "usage: node_wedge self NODE | fuse NODE FILE | "
		        "flood NODE SECONDS\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	node = open(argv[2], O_RDWR | O_CLOEXEC);
	if (node < 0)
		die("open node");
	if (strcmp(argv[1], "flood") == 0)
		return flood(node, atoi(argv[3]));
	if (strcmp(argv[1], "self") == 0) {
		backing = argv[2];
		/* the kernel's idea of the file's size grows with a write */
		if (write(node, pkt, sizeof(pkt)) != (ssize_t)sizeof(pkt))
			die("write");
		fd = node; /* mapped through the same open */
		/* its echo (io forwarding): nothing more is queued for us,
		 * so the node's read for the fault waits */
		if (read(node, buf, sizeof(buf)) < 0)
			die("read");
	} else {
		backing = argv[3];
		se = stall_mount(backing);
		fd = open(backing, O_RDONLY | O_CLOEXEC);
		/* the root inode's size is 0 until a getattr: a fault past
		 * it would fail EFAULT without asking the server */
		if (fd < 0 || fstat(fd, &st) < 0)
			die("open fuse file");
	}
	area = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
	            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		die("mmap anon");
	if (mmap(area + PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd,
	         0) == MAP_FAILED)
		die("mmap backing");
	/* the first 4 bytes (all FUSE copies for an int-sized number) are
	 * ordinary memory; the other 36 are behind the fault */
	memcpy(area + PAGE - 4, "tun", 4);
	printf("WAIT inflight\n");
	ret = ioctl(node, TUNSETIFF, area + PAGE - 4);
	err = ret < 0 ? errno : 0;
	printf("ioctl ret %d errno %d\n", ret, err);
	if (se != NULL) {
		fuse_session_exit(se);
		fuse_session_unmount(se);
	}
	return 0;
}
