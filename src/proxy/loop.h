/* A small epoll event loop in the style of Redis's ae: file events (read
 * and write interest per fd), one-shot timers in milliseconds, and a
 * wake-up other threads can trigger. Single-threaded: every function but
 * ms_loop_wake must be called from the loop's thread. Callbacks may add,
 * change and remove events and timers, including their own. */
#ifndef MS_PROXY_LOOP_H
#define MS_PROXY_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

#define MS_EV_READ  1
#define MS_EV_WRITE 2

struct ms_loop;

/* Called with the events that fired (MS_EV_READ|MS_EV_WRITE; errors and
 * hang-ups are reported as both, so the next read or write sees them). */
typedef void (*ms_loop_fd_cb)(struct ms_loop *loop, int fd, int events,
			      void *data);
/* A timer callback; the timer is gone once it runs. */
typedef void (*ms_loop_timer_cb)(struct ms_loop *loop, uint64_t id, void *data);
/* Called in the loop's thread after ms_loop_wake. */
typedef void (*ms_loop_wake_cb)(struct ms_loop *loop, void *data);

/* Creates a loop for up to <max_fds> descriptors (fds at or above it are
 * refused by ms_loop_add with MS_ETOOLARGE). *<out> is owned by the
 * caller (ms_loop_free). MS_EIO when epoll or eventfd fail. */
int ms_loop_create(int max_fds, struct ms_loop **out,
		   struct ms_err *err) MS_WUR;
void ms_loop_free(struct ms_loop *loop);

/* Sets the events of <fd> to <mask> (0 removes it) with <cb> and <data>
 * (borrowed). Returns 0, MS_ETOOLARGE or MS_EIO. */
int ms_loop_set(struct ms_loop *loop, int fd, int mask, ms_loop_fd_cb cb,
		void *data) MS_WUR;
/* The current mask of <fd> (0 when none). */
int ms_loop_mask(const struct ms_loop *loop, int fd);
/* Removes <fd> (no-op when absent). Call before closing it. */
void ms_loop_del(struct ms_loop *loop, int fd);

/* Runs <cb> once after <ms> milliseconds; returns a timer id (never 0), or
 * 0 when out of memory. */
uint64_t ms_loop_timer(struct ms_loop *loop, uint64_t ms, ms_loop_timer_cb cb,
		       void *data);
/* Cancels timer <id> (no-op when it already ran or is 0). */
void ms_loop_timer_cancel(struct ms_loop *loop, uint64_t id);

/* Sets the callback ms_loop_wake triggers. */
void ms_loop_on_wake(struct ms_loop *loop, ms_loop_wake_cb cb, void *data);
/* Thread-safe: makes the loop call its wake callback soon. */
void ms_loop_wake(struct ms_loop *loop);

/* Runs until ms_loop_stop. Returns 0, or MS_EIO when epoll_wait fails for
 * another reason than EINTR. */
int ms_loop_run(struct ms_loop *loop, struct ms_err *err) MS_WUR;
/* Makes ms_loop_run return after the current iteration. Thread-safe. */
void ms_loop_stop(struct ms_loop *loop);

/* Monotonic time in milliseconds and microseconds, cached per iteration
 * for ms_loop_now_ms (cheap), exact for ms_mono_us. */
uint64_t ms_loop_now_ms(const struct ms_loop *loop);
uint64_t ms_mono_us(void);

#endif
