/* blocks.c: a snapshot's bytes checked against their block checksums, each block once, when first read. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libdeflate.h>

#include "snapshot_format.h"

enum { UNCHECKED, SOUND, DAMAGED };

struct snapshot_blocks {
	const char *base; /* the first byte the blocks cover */
	size_t len;       /* bytes covered */
	size_t n;
	uint32_t *crc; /* a copy: the table's bytes are checked once, at load */
	_Atomic unsigned char *state;
	atomic_int damaged; /* a block failed its checksum */
};

uint32_t snapshot_crc(uint32_t crc, const void *p, size_t n)
{
	/* zlib's CRC-32 (the same values), several times faster where the CPU has carry-less
	 * multiply. */
	return libdeflate_crc32(crc, p, n);
}

snapshot_blocks *snapshot_blocks_create(const void *base, size_t len, const uint32_t *table)
{
	snapshot_blocks *b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->base = base;
	b->len = len;
	b->n = snapshot_nblocks(len);
	b->crc = malloc((b->n ? b->n : 1) * sizeof(*b->crc));
	b->state = calloc(b->n ? b->n : 1, sizeof(*b->state));
	if (!b->crc || !b->state) {
		snapshot_blocks_destroy(b);
		return NULL;
	}
	memcpy(b->crc, table, b->n * sizeof(*b->crc));
	return b;
}

void snapshot_blocks_destroy(snapshot_blocks *b)
{
	if (!b)
		return;
	free(b->crc);
	free((void *)b->state);
	free(b);
}

/*
 * Two threads may check one block at once: both compute the same answer, so
 * the block's state needs no lock, only an atomic store.
 */
static int check_block(snapshot_blocks *b, size_t k)
{
	unsigned char s = atomic_load_explicit(&b->state[k], memory_order_acquire);
	if (s == UNCHECKED) {
		size_t off = k * SNAPSHOT_BLOCK;
		size_t n = b->len - off < SNAPSHOT_BLOCK ? b->len - off : SNAPSHOT_BLOCK;
		s = snapshot_crc(0, b->base + off, n) == b->crc[k] ? SOUND : DAMAGED;
		atomic_store_explicit(&b->state[k], s, memory_order_release);
		if (s == DAMAGED)
			atomic_store(&b->damaged, 1);
	}
	return s == SOUND ? 0 : GEODATA_EDAMAGED;
}

int snapshot_blocks_check(snapshot_blocks *b, const void *p, size_t n)
{
	if (!b || !n)
		return 0;
	const char *c = p;
	/* Bytes outside the blocks are not the snapshot's (an OGR-loaded layer's are on the heap). */
	if (c < b->base || c >= b->base + b->len)
		return 0;
	size_t off = (size_t)(c - b->base);
	if (n > b->len - off)
		return GEODATA_EDAMAGED;
	for (size_t k = off / SNAPSHOT_BLOCK; k <= (off + n - 1) / SNAPSHOT_BLOCK; k++)
		if (check_block(b, k))
			return GEODATA_EDAMAGED;
	return 0;
}

int snapshot_blocks_damaged(const snapshot_blocks *b)
{
	return b ? atomic_load(&((snapshot_blocks *)b)->damaged) : 0;
}

void snapshot_blocks_damaged_set(snapshot_blocks *b)
{
	if (b)
		atomic_store(&b->damaged, 1);
}

int snapshot_blocks_check_all(snapshot_blocks *b, int release)
{
	/* Given back every few megabytes when the bytes are a file mapping: a server checks the
	 * whole file at start and then draws only some of it. */
	enum { GROUP = 128 };
	long pg = sysconf(_SC_PAGESIZE);
	for (size_t k = 0; k < b->n; k++) {
		if (check_block(b, k))
			return GEODATA_EDAMAGED;
		if (release && pg > 0 && ((k + 1) % GROUP == 0 || k + 1 == b->n)) {
			size_t first = (k / GROUP) * GROUP * SNAPSHOT_BLOCK;
			uintptr_t a = ((uintptr_t)(b->base + first) + (uintptr_t)pg - 1) &
			              ~((uintptr_t)pg - 1);
			size_t end = (k + 1) * SNAPSHOT_BLOCK < b->len ? (k + 1) * SNAPSHOT_BLOCK : b->len;
			uintptr_t e = (uintptr_t)(b->base + end) & ~((uintptr_t)pg - 1);
			if (e > a)
				madvise((void *)a, e - a, MADV_DONTNEED);
		}
	}
	return 0;
}
