/* SPDX-License-Identifier: BSD-3-Clause */
/* Time for the C test programs: a monotonic clock in ms, sleeps that
 * survive signals. */
#ifndef BSDTUN_TEST_TIME_H
#define BSDTUN_TEST_TIME_H

#include <errno.h>
#include <time.h>

static inline long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static inline void
sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static inline void
sleep_ms(long ms)
{
	sleep_us(ms * 1000L);
}

#endif /* BSDTUN_TEST_TIME_H */
