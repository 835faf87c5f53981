/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the client library's handling of a region it is
 * handed (lib/bsdtun/bsdtun.c, compiled in whole so that its static
 * functions are reachable): region_check() over a fuzzed header and
 * region size, then, when the header is accepted, the library's read,
 * write and FIONREAD paths over rings whose contents are fuzzed too, as
 * BSD tun(4) and, for a header whose queue is odd, as a Linux tun file
 * with tun_pi (short reads too: TUN_PKT_STRIP).
 *
 * The region is a heap block of exactly the region size: ASan reports any
 * offset region_check() lets through that points outside it.
 *
 * Input: a struct bsdtun_region_hdr image, 4 bytes region size (4096 ..
 * 4 MiB + 4096), then bytes that fill the region from offset 256 on
 * (the control blocks and the start of the data areas).
 */
#include "../../lib/bsdtun/bsdtun.c"
#include "../../lib/bsdtun/bsdtun_linux.c"
#include "../../lib/bsdtun/bsdtun_call.c"
#include "../../lib/bsdtun/bsdtun_ioctl.c"

#define CHECK(c)                          \
	do {                              \
		if (!(c))                 \
			__builtin_trap(); \
	} while (0)
#define REGION_MAX ((4u << 20) + 4096)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bsdtun_region_hdr h;
	struct bsdtun t;
	uint32_t rsize;
	uint8_t *map;
	size_t rest;

	if (size < sizeof(h) + 4)
		return 0;
	memcpy(&h, data, sizeof(h));
	memcpy(&rsize, data + sizeof(h), 4);
	rsize = 4096 + rsize % (REGION_MAX - 4096 + 1);
	data += sizeof(h) + 4;
	size -= sizeof(h) + 4;
	if (region_check(&h, rsize) != 0)
		return 0;

	/* accepted: every range must lie inside the region (the check
	 * above, restated without overflow) */
	CHECK((unsigned __int128)h.to_client_ctl +
	              sizeof(struct bsdtun_ring_ctl) <=
	      rsize);
	CHECK((unsigned __int128)h.to_dpdk_ctl +
	              sizeof(struct bsdtun_ring_ctl) <=
	      rsize);
	CHECK((unsigned __int128)h.to_client_data + h.ring_bytes <= rsize);
	CHECK((unsigned __int128)h.to_dpdk_data + h.ring_bytes <= rsize);

	map = calloc(1, rsize);
	if (map == NULL)
		abort();
	memcpy(map, &h, sizeof(h));
	rest = size < rsize - 256 ? size : rsize - 256;
	memcpy(map + 256, data, rest);

	/* what bsdtun_open() does after region_check() */
	memset(&t, 0, sizeof(t));
	t.ctl_fd = -1;
	t.bell_fd = -1;
	t.nonblock = 1;
	t.map = map;
	t.map_size = rsize;
	t.hdr = (volatile struct bsdtun_region_hdr *)map;
	bsdtun_ring_init(&t.to_client,
	                 (struct bsdtun_ring_ctl *)(map + h.to_client_ctl),
	                 map + h.to_client_data, h.ring_bytes, h.qlen);
	bsdtun_ring_init(&t.to_dpdk,
	                 (struct bsdtun_ring_ctl *)(map + h.to_dpdk_ctl),
	                 map + h.to_dpdk_data, h.ring_bytes, h.qlen);
	t.hdr->state = BSDTUN_STATE_OPEN;
	if (h.queue & 1) { /* what TUNSETIFF leaves (IFF_TUN, tun_pi) */
		t.lx.on = 1;
		t.lx.flags = IFF_TUN;
	}
	{
		static uint8_t buf[BSDTUN_MRU + 64];
		struct bsdtun_pkt pk[4];
		int i, v;

		for (i = 0; i < 4; i++) {
			pk[i].buf = buf;
			pk[i].len = sizeof(buf) >> i;
		}
		(void)bsdtun_ioctl(&t, FIONREAD, &v);
		(void)bsdtun_read(&t, buf, sizeof(buf));
		(void)bsdtun_read(&t, buf, 24);
		(void)bsdtun_read_burst(&t, pk, 4);
		memset(buf, 0x45, 1500);
		(void)bsdtun_write(&t, buf, 1500);
		(void)bsdtun_write(&t, buf, 20);
		for (i = 0; i < 4; i++)
			pk[i].len = 100 << i;
		(void)bsdtun_write_burst(&t, pk, 4);
	}
	free(map);
	return 0;
}
