/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Paths from devargs (sock=, cdev=, pcapng=): the DPDK process, often root,
 * creates, changes the mode of, replaces, mounts over and removes files
 * there, so a path is used only when no untrusted user can change where it
 * leads, and only once: by name when it is checked, by descriptor after.
 *
 * The rule: every directory from / to the file's own directory is owned by
 * root or by this process's effective user and is writable by nobody else
 * (an ancestor may be a sticky directory such as /tmp, whose entries only
 * their owners can replace; the file's own directory may not).  A symbolic
 * link on the way is followed where the kernel's protected_symlinks rule
 * would follow it, whatever fs.protected_symlinks says: in a sticky
 * directory others can write (/tmp) only a link owned by this process's
 * user or by the directory's owner; in the other directories of the walk
 * (nobody else can write them) any link, since root or this user put it
 * there.  The file itself must not be a symbolic link.
 *
 * The check hands back an O_PATH descriptor of the final directory, the one
 * the walk checked, and the file's name in it (struct bsdtun_path).  Every
 * later use goes through that descriptor (openat, mkdirat, unlinkat,
 * fchownat, renameat, and "/proc/self/fd/N/NAME" where only a path will
 * do: bind, umount), so re-pointing a link afterwards, even one the rule
 * admitted, redirects nothing; and nobody else can change the entries of
 * that directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bsdtun_internal.h"

#define PATH_LINK_HOPS 16

/* The reason a path is refused, for the log line. */
static void __rte_format_printf(3, 4)
	set_why(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

/* Why st (a directory on the way) cannot be trusted, or NULL. */
static const char *
untrusted_dir(const struct stat *st, int own_dir, char *why, size_t len)
{
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		set_why(why, len, "owned by uid %u, not by root or uid %u",
			(unsigned int)st->st_uid, (unsigned int)geteuid());
		return why;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) &&
	    (own_dir || !(st->st_mode & S_ISVTX))) {
		set_why(why, len, "writable by %s (mode %04o)",
			(st->st_mode & S_IWOTH) ? "others" : "its group",
			(unsigned int)(st->st_mode & 07777));
		return why;
	}
	return NULL;
}

/*
 * May a link owned by link_uid in directory dir be followed?  The kernel's
 * protected_symlinks rule (fs/namei.c may_follow_link), applied to every
 * sticky directory others can write (group-writable ones too).  Other
 * directories of the walk were checked: nobody else writes them.
 */
static const char *
untrusted_link(const struct stat *dir, uid_t link_uid, char *why, size_t len)
{
	if (!(dir->st_mode & S_ISVTX) ||
	    !(dir->st_mode & (S_IWGRP | S_IWOTH)) || link_uid == geteuid() ||
	    link_uid == dir->st_uid)
		return NULL;
	set_why(why, len,
		"owned by uid %u, in a sticky directory others can write (only a link of uid %u or of the directory's owner uid %u is followed there)",
		(unsigned int)link_uid, (unsigned int)geteuid(),
		(unsigned int)dir->st_uid);
	return why;
}

/*
 * Walk dir (absolute) component by component from /, following only links
 * the rule admits, checking each directory.  mkdir_last: create the last
 * directory (mode 0755) when it is missing.  Returns an O_PATH descriptor
 * of the last directory, or -errno with the reason in why.
 */
static int
walk_dirs(const char *dir, int mkdir_last, char *why, size_t len)
{
	char todo[2 * PATH_MAX], next[2 * PATH_MAX], comp[NAME_MAX + 1];
	char link[PATH_MAX], reason[256];
	int dfd, nfd, hops = 0, ret = 0;
	struct stat st, dst; /* dst: dfd's */
	const char *p;

	if (strlen(dir) >= PATH_MAX) {
		set_why(why, len, "too long");
		return -ENAMETOOLONG;
	}
	strcpy(todo, dir);
	dfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fstat(dfd, &dst) < 0) {
		set_why(why, len, "/: %s", strerror(errno));
		ret = -errno;
		goto out;
	}
	p = todo;
	for (;;) {
		size_t n;
		int last;

		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		n = strcspn(p, "/");
		if (n > NAME_MAX) {
			set_why(why, len, "a component is too long");
			ret = -ENAMETOOLONG;
			goto out;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		p += n;
		last = p[strspn(p, "/")] == '\0';
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			set_why(why, len, "contains \"..\"");
			ret = -EINVAL;
			goto out;
		}
		if (fstatat(dfd, comp, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT && last && mkdir_last &&
			    mkdirat(dfd, comp, 0755) == 0 &&
			    fstatat(dfd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0)
				goto is_dir;
			ret = -errno;
			set_why(why, len, "%s: %s", comp, strerror(errno));
			goto out;
		}
		if (S_ISLNK(st.st_mode)) {
			ssize_t l;

			if (untrusted_link(&dst, st.st_uid, reason,
					   sizeof(reason)) != NULL) {
				set_why(why, len, "link %s is %s", comp,
					reason);
				ret = -EPERM;
				goto out;
			}
			/* follow it: its target, then the rest */
			l = readlinkat(dfd, comp, link, sizeof(link) - 1);
			if (++hops > PATH_LINK_HOPS || l <= 0 ||
			    (size_t)l + 1 + strlen(p) >= sizeof(todo)) {
				set_why(why, len, "too many or too long links");
				ret = -ELOOP;
				goto out;
			}
			link[l] = '\0';
			set_why(next, sizeof(next), "%s/%s", link, p);
			strcpy(todo, next);
			p = todo;
			if (link[0] == '/') {
				close(dfd);
				dfd = open("/",
					   O_PATH | O_DIRECTORY | O_CLOEXEC);
				if (dfd < 0 || fstat(dfd, &dst) < 0) {
					ret = -errno;
					set_why(why, len, "/: %s",
						strerror(errno));
					goto out;
				}
			}
			continue;
		}
	is_dir:
		if (!S_ISDIR(st.st_mode)) {
			set_why(why, len, "%s is not a directory", comp);
			ret = -ENOTDIR;
			goto out;
		}
		nfd = openat(dfd, comp,
			     O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0 || fstat(nfd, &st) < 0) {
			ret = -errno;
			set_why(why, len, "%s: %s", comp, strerror(errno));
			if (nfd >= 0)
				close(nfd);
			goto out;
		}
		close(dfd);
		dfd = nfd;
		dst = st;
		/* the file's own directory is the last one of the walk */
		if (untrusted_dir(&st, last, reason, sizeof(reason)) != NULL) {
			set_why(why, len, "directory %s is %s", comp, reason);
			ret = -EPERM;
			goto out;
		}
	}
	/* again for the last one: it may be / (a link may lead there) */
	if (untrusted_dir(&dst, 1, reason, sizeof(reason)) != NULL) {
		set_why(why, len, "directory / is %s", reason);
		ret = -EPERM;
	}
out:
	if (ret < 0) {
		if (dfd >= 0)
			close(dfd);
		return ret;
	}
	return dfd;
}

int
bsdtun_path_check(const struct bsdtun_unit *u, const char *key,
		  const char *path, int mkdir_dir, struct bsdtun_path *at)
{
	char dir[PATH_MAX], why[PATH_MAX + 256];
	const char *slash = strrchr(path, '/');
	struct stat st;
	int dfd;

	at->dirfd = -1;
	if (path[0] != '/' || slash == NULL || slash[1] == '\0' ||
	    strlen(path) >= sizeof(dir)) {
		BSDTUN_LOG(ERR, u, "%s=%s: not an absolute path to a file", key,
			   path);
		return -EINVAL;
	}
	if (strlen(slash + 1) >= sizeof(at->leaf) ||
	    strcmp(slash + 1, ".") == 0 || strcmp(slash + 1, "..") == 0) {
		BSDTUN_LOG(ERR, u, "%s=%s refused: not a file name at its end",
			   key, path);
		return -EINVAL;
	}
	memcpy(dir, path, slash - path);
	dir[slash - path] = '\0';
	if (dir[0] == '\0')
		strcpy(dir, "/");
	dfd = walk_dirs(dir, mkdir_dir, why, sizeof(why));
	if (dfd < 0) {
		BSDTUN_LOG(ERR, u, "%s=%s refused: %s", key, path, why);
		return dfd;
	}
	strcpy(at->leaf, slash + 1);
	if (fstatat(dfd, at->leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode)) {
		BSDTUN_LOG(
			ERR, u,
			"%s=%s refused: it is a symbolic link (give the path it should lead to)",
			key, path);
		close(dfd);
		return -ELOOP;
	}
	at->dirfd = dfd;
	return 0;
}

int
bsdtun_path_proc(const struct bsdtun_path *at, const char *name, char *buf,
		 size_t len)
{
	int n = snprintf(buf, len, "/proc/self/fd/%d/%s", at->dirfd,
			 name != NULL ? name : at->leaf);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

void
bsdtun_path_close(struct bsdtun_path *at)
{
	if (at->dirfd >= 0)
		close(at->dirfd);
	at->dirfd = -1;
}

int
bsdtun_path_chmod(int fd, mode_t mode)
{
	char proc[32];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return chmod(proc, mode);
}
