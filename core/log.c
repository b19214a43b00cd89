/* SPDX-License-Identifier: Apache-2.0 */
/* The process-wide log: one line per message, "<time> <level> <who>: <text>".
 * The only global state of libseal: a process has one log and one access
 * log, reopened on SIGHUP (logrotate). */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "host-private.h"

static struct {
    pthread_mutex_t lock;
    FILE *out;            /* NULL: stderr */
    char *file;
    FILE *access;         /* NULL: access lines go to the main log */
    char *access_file;
    _Atomic int level;
} g_log = { PTHREAD_MUTEX_INITIALIZER, NULL, NULL, NULL, NULL, SEAL_LOG_INFO };

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

static FILE *open_append(const char *file)
{
    FILE *f = fopen(file, "ae");
    if (f) setvbuf(f, NULL, _IOLBF, 0);
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

static void stamp(char *buf, size_t len)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000);
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

void seal_log_access(const char *line)
{
    char ts[40];
    stamp(ts, sizeof ts);
    pthread_mutex_lock(&g_log.lock);
    FILE *f = g_log.access ? g_log.access : (g_log.out ? g_log.out : stderr);
    fprintf(f, "%s access %s\n", ts, line);
    pthread_mutex_unlock(&g_log.lock);
}
