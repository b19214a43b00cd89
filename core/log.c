/* SPDX-License-Identifier: Apache-2.0 */
/* The process-wide log: one line per message, "<time> <level> <who>: <text>".
 * The only global state of libseal: a process has one log and one access
 * log, reopened on SIGHUP (logrotate). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "host-private.h"

static struct {
    pthread_mutex_t lock;
    FILE *out;            /* NULL: stderr */
    char *file;
    FILE *access;         /* NULL: access lines go to the main log */
    char *access_file;
    _Atomic int level;
} g_log = { PTHREAD_MUTEX_INITIALIZER, NULL, NULL, NULL, NULL, SEAL_LOG_INFO };

/* Pending access lines, under g_log.lock (see seal_log_access). */
static struct {
    char buf[64 * 1024];
    size_t len;
} g_access;

static void access_flush_locked(void);

static const char *level_name(int level)
{
    switch (level) {
    case SEAL_LOG_ERR:    return "error";
    case SEAL_LOG_WARN:   return "warning";
    case SEAL_LOG_NOTICE: return "notice";
    case SEAL_LOG_INFO:   return "info";
    default:              return "debug";
    }
}

/* Created 0600 whatever the umask: the logs name users, clients and
 * addresses. An existing file keeps its mode (logrotate's "create" sets
 * it). */
static FILE *open_append(const char *file)
{
    int fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0) return NULL;
    FILE *f = fdopen(fd, "a");
    if (!f) {
        int e = errno;
        close(fd);
        errno = e;
        return NULL;
    }
    setvbuf(f, NULL, _IOLBF, 0);
    return f;
}

seal_status_t seal_log_open(const char *file, int level)
{
    pthread_mutex_lock(&g_log.lock);
    g_log.level = level;
    if (file && strcmp(file, "stderr") != 0) {
        FILE *f = open_append(file);
        if (!f) {
            pthread_mutex_unlock(&g_log.lock);
            fprintf(stderr, "seald: cannot open log %s: %s\n", file, strerror(errno));
            return SEAL_E_IO;
        }
        if (g_log.out) fclose(g_log.out);
        free(g_log.file);
        g_log.out = f;
        g_log.file = strdup(file);
    }
    pthread_mutex_unlock(&g_log.lock);
    return SEAL_OK;
}

void seal_log_set_access_file(const char *file)
{
    pthread_mutex_lock(&g_log.lock);
    access_flush_locked();
    if (g_log.access) fclose(g_log.access);
    free(g_log.access_file);
    g_log.access = NULL;
    g_log.access_file = NULL;
    if (file && strcmp(file, "stderr") != 0) {
        g_log.access = open_append(file);
        if (g_log.access) g_log.access_file = strdup(file);
    }
    pthread_mutex_unlock(&g_log.lock);
}

/* SIGHUP: logrotate moved the files away; open them anew by name. */
seal_status_t seal_log_reopen(void)
{
    seal_status_t st = SEAL_OK;
    pthread_mutex_lock(&g_log.lock);
    access_flush_locked();
    if (g_log.file) {
        FILE *f = open_append(g_log.file);
        if (f) { fclose(g_log.out); g_log.out = f; } else st = SEAL_E_IO;
    }
    if (g_log.access_file) {
        FILE *f = open_append(g_log.access_file);
        if (f) { fclose(g_log.access); g_log.access = f; } else st = SEAL_E_IO;
    }
    pthread_mutex_unlock(&g_log.lock);
    return st;
}

void seal_log_close(void)
{
    pthread_mutex_lock(&g_log.lock);
    access_flush_locked();
    if (g_log.out) fclose(g_log.out);
    if (g_log.access) fclose(g_log.access);
    free(g_log.file);
    free(g_log.access_file);
    g_log.out = g_log.access = NULL;
    g_log.file = g_log.access_file = NULL;
    pthread_mutex_unlock(&g_log.lock);
}

int seal_log_enabled(int level)
{
    return level <= g_log.level;
}

/* "2026-11-28T08:31:01.123Z"; the seconds part is formatted once per second
 * per thread, since gmtime_r and strftime are a good part of a log line. */
static void stamp(char *buf, size_t len)
{
    static _Thread_local time_t cached_sec = -1;
    static _Thread_local char cached[24];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (ts.tv_sec != cached_sec) {
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm);
        cached_sec = ts.tv_sec;
    }
    snprintf(buf, len, "%s.%03ldZ", cached, ts.tv_nsec / 1000000);
}

void seal_log(seal_plugin_t *self, int level, const char *fmt, ...)
{
    if (!seal_log_enabled(level)) return;
    char msg[2048], ts[40];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* One line per message: a newline in a message would let input forge
     * log lines, so it is shown escaped. */
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    stamp(ts, sizeof ts);
    pthread_mutex_lock(&g_log.lock);
    fprintf(g_log.out ? g_log.out : stderr, "%s %s %s: %s\n", ts, level_name(level),
            self ? self->name : "core", msg);
    pthread_mutex_unlock(&g_log.lock);
}

/* Access lines are many and small: they are gathered in a buffer and written
 * when it fills, at least every ACCESS_FLUSH_MS by a flusher thread, and at
 * reopen and close, so a request costs no write(2) of its own. */
#define ACCESS_BUF (64 * 1024)
#define ACCESS_FLUSH_MS 500

static void access_flush_locked(void)
{
    if (g_access.len == 0) return;
    FILE *f = g_log.access ? g_log.access : (g_log.out ? g_log.out : stderr);
    fwrite(g_access.buf, 1, g_access.len, f);
    fflush(f);
    g_access.len = 0;
}

static void *access_flusher(void *arg)
{
    (void)arg;
    for (;;) {
        struct timespec ts = { 0, ACCESS_FLUSH_MS * 1000000L };
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&g_log.lock);
        access_flush_locked();
        pthread_mutex_unlock(&g_log.lock);
    }
    return NULL;
}

static void access_flusher_start(void)
{
    pthread_t t;
    sigset_t all, old;
    /* The flusher must not take the host's signals. */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    if (pthread_create(&t, NULL, access_flusher, NULL) == 0) pthread_detach(t);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void seal_log_flush(void)
{
    pthread_mutex_lock(&g_log.lock);
    access_flush_locked();
    pthread_mutex_unlock(&g_log.lock);
}

void seal_log_access(const char *line)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    char ts[40];
    pthread_once(&once, access_flusher_start);
    stamp(ts, sizeof ts);
    pthread_mutex_lock(&g_log.lock);
    size_t need = strlen(ts) + strlen(line) + 10;
    if (g_access.len + need > ACCESS_BUF) access_flush_locked();
    if (need <= ACCESS_BUF) {
        int n = snprintf(g_access.buf + g_access.len, ACCESS_BUF - g_access.len,
                         "%s access %s\n", ts, line);
        if (n > 0) g_access.len += (size_t)n;
    }
    pthread_mutex_unlock(&g_log.lock);
}
