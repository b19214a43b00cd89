/* SPDX-License-Identifier: Apache-2.0 */
/* seal-client: the SEAL identity management client (SIM-C, TS 33.434
 * 5.2.3) on the command line, over libsealclient. See seal-client(1). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sealclient/sealclient.h>

#include "seal-client-km.h"

enum { EXIT_USAGE = 2, EXIT_NOSESSION = 3, EXIT_DENIED = 4 };

static void usage(FILE *f)
{
    fputs("usage: seal-client [options] COMMAND\n"
          "commands:\n"
          "  login          log in (authorization code flow with PKCE)\n"
          "  token          print a valid access token, refreshing it first when needed\n"
          "  refresh        refresh the tokens now\n"
          "  status         show the stored session\n"
          "  logout         revoke the tokens and delete the stored session\n"
          "  client-token   client_credentials grant (confidential clients); print the token\n"
          SC_KM_USAGE
          "options:\n"
          "  -i, --issuer URL            IdM server issuer (env SEAL_ISSUER)\n"
          "  -c, --client-id ID          registered client_id (env SEAL_CLIENT_ID)\n"
          "      --cacert FILE           trust anchors, PEM (env SEAL_CACERT)\n"
          "      --tokens FILE           tokens file (default $XDG_CONFIG_HOME/seal/tokens.json)\n"
          "  -s, --scope SCOPE           scope to request (default \"openid\")\n"
          "      --acr-values VALUES     acr_values to request\n"
          "      --timeout SECONDS       how long login waits for the browser (default 300)\n"
          "      --min-valid SECONDS     token: refresh when fewer remain (default 60)\n"
          "  -u, --username NAME         login without a browser (testing, headless)\n"
          "      --password-file FILE    the password for --username (\"-\": standard input)\n"
          "      --client-secret-file F  client secret of a confidential client\n"
          "  -h, --help, -V, --version\n"
          SC_KM_OPTIONS_USAGE, f);
}

/* The first line of a file ("-": standard input), without its newline. */
static char *read_secret(const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
    if (!f) {
        fprintf(stderr, "seal-client: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, f);
    if (f != stdin)
        fclose(f);
    if (n < 0) {
        free(line);
        fprintf(stderr, "seal-client: %s: empty\n", path);
        return NULL;
    }
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    return line;
}

static void free_secret(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

static int fail(sealclient_t *c, int rc, const char *what)
{
    fprintf(stderr, "seal-client: %s: %s\n", what, c ? sealclient_error(c) : sealclient_strerror(rc));
    if (rc == SEALCLIENT_E_NOSESSION)
        return EXIT_NOSESSION;
    if (rc == SEALCLIENT_E_DENIED)
        return EXIT_DENIED;
    return EXIT_FAILURE;
}

static long parse_long(const char *s, const char *opt)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 0 || v > 86400 * 365) {
        fprintf(stderr, "seal-client: %s: not a number of seconds: %s\n", opt, s);
        exit(EXIT_USAGE);
    }
    return v;
}

static void print_session(sealclient_t *c)
{
    sealclient_session_t s;
    if (sealclient_session(c, &s) != SEALCLIENT_OK)
        return;
    long long left = s.expires_at ? (long long)(s.expires_at - time(NULL)) : 0;
    printf("issuer:    %s\nclient_id: %s\nsubject:   %s\nscope:     %s\n", s.issuer,
           s.client_id, s.subject ? s.subject : "-", s.scope ? s.scope : "-");
    if (s.expires_at)
        printf("access:    %s %lld s\n", left > 0 ? "valid for" : "expired", left > 0 ? left : -left);
    else
        printf("access:    expiry unknown\n");
    printf("refresh:   %s\n", s.has_refresh_token ? "yes" : "no");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "issuer", required_argument, NULL, 'i' },
        { "client-id", required_argument, NULL, 'c' },
        { "cacert", required_argument, NULL, 'C' },
        { "tokens", required_argument, NULL, 'T' },
        { "scope", required_argument, NULL, 's' },
        { "acr-values", required_argument, NULL, 'A' },
        { "timeout", required_argument, NULL, 't' },
        { "min-valid", required_argument, NULL, 'm' },
        { "username", required_argument, NULL, 'u' },
        { "password-file", required_argument, NULL, 'P' },
        { "client-secret-file", required_argument, NULL, 'S' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        SC_KM_LONG_OPTIONS,
        { NULL, 0, NULL, 0 },
    };
    sealclient_options_t o = { .struct_size = sizeof o, .leeway_s = -1 };
    const char *username = NULL, *password_file = NULL, *secret_file = NULL;
    long timeout = 300, min_valid = 60;
    sc_km_cli_t km = { 0 };
    int ch;
    o.issuer = getenv("SEAL_ISSUER");
    o.client_id = getenv("SEAL_CLIENT_ID");
    o.cacert = getenv("SEAL_CACERT");
    if (o.issuer && !*o.issuer)
        o.issuer = NULL;
    if (o.client_id && !*o.client_id)
        o.client_id = NULL;
    if (o.cacert && !*o.cacert)
        o.cacert = NULL;
    while ((ch = getopt_long(argc, argv, "i:c:s:u:hV", opts, NULL)) != -1) {
        switch (ch) {
        case 'i': o.issuer = optarg; break;
        case 'c': o.client_id = optarg; break;
        case 'C': o.cacert = optarg; break;
        case 'T': o.tokens_path = optarg; break;
        case 's': o.scope = optarg; break;
        case 'A': o.acr_values = optarg; break;
        case 't': timeout = parse_long(optarg, "--timeout"); break;
        case 'm': min_valid = parse_long(optarg, "--min-valid"); break;
        case 'u': username = optarg; break;
        case 'P': password_file = optarg; break;
        case 'S': secret_file = optarg; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("seal-client %s\n", sealclient_version()); return 0;
        default:
            if (sc_km_cli_option(&km, ch, optarg))
                break;
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[optind];
    if (!!username != !!password_file) {
        fprintf(stderr, "seal-client: --username and --password-file go together\n");
        return EXIT_USAGE;
    }
    if (username && strcmp(cmd, "login") != 0) {
        fprintf(stderr, "seal-client: --username is for login only\n");
        return EXIT_USAGE;
    }
    char *secret = NULL;
    if (secret_file && !(secret = read_secret(secret_file)))
        return EXIT_FAILURE;
    o.client_secret = secret;

    sealclient_t *c = NULL;
    int rc = sealclient_new(&o, &c), ret = 0;
    free_secret(secret);
    if (rc) {
        ret = fail(c, rc, "setup");
        sealclient_free(c);
        return ret == EXIT_FAILURE ? EXIT_USAGE : ret;
    }

    if (strcmp(cmd, "login") == 0) {
        const char *url;
        char *password = NULL;
        if (password_file && !(password = read_secret(password_file))) {
            sealclient_free(c);
            return EXIT_FAILURE;
        }
        rc = sealclient_login_begin(c, &url);
        if (rc) {
            ret = fail(c, rc, "login");
        } else if (username) {
            rc = sealclient_login_password(c, username, password);
            if (rc)
                ret = fail(c, rc, "login");
        } else {
            fprintf(stderr, "Open this address in a browser to log in "
                    "(waiting %ld s for the redirect):\n", timeout);
            printf("%s\n", url);
            fflush(stdout);
            rc = sealclient_login_wait(c, timeout > 2000000 ? 2000000000 : (int)(timeout * 1000));
            if (rc)
                ret = fail(c, rc, "login");
        }
        free_secret(password);
        if (!rc) {
            sealclient_session_t s;
            if (sealclient_session(c, &s) == SEALCLIENT_OK)
                fprintf(stderr, "logged in as %s\n", s.subject ? s.subject : "?");
        }
    } else if (strcmp(cmd, "token") == 0) {
        const char *tok;
        rc = sealclient_access_token(c, min_valid, &tok);
        if (rc)
            ret = fail(c, rc, "token");
        else
            printf("%s\n", tok);
    } else if (strcmp(cmd, "refresh") == 0) {
        rc = sealclient_refresh(c);
        if (rc)
            ret = fail(c, rc, "refresh");
    } else if (strcmp(cmd, "status") == 0) {
        sealclient_session_t s;
        rc = sealclient_session(c, &s);
        if (rc)
            ret = fail(c, rc, "status");
        else
            print_session(c);
    } else if (strcmp(cmd, "logout") == 0) {
        rc = sealclient_logout(c);
        if (rc == SEALCLIENT_E_NOSESSION) {
            fprintf(stderr, "seal-client: not logged in\n");
            rc = 0;
        } else if (rc) {
            ret = fail(c, rc, "logout");
        }
    } else if (strcmp(cmd, "client-token") == 0) {
        const char *tok;
        rc = sealclient_client_credentials(c, o.scope, &tok, NULL);
        if (rc)
            ret = fail(c, rc, "client-token");
        else
            printf("%s\n", tok);
    } else if (strcmp(cmd, "keys") == 0) {
        ret = sc_km_cli_keys(c, &km);
    } else if (strcmp(cmd, "gmk") == 0) {
        ret = sc_km_cli_gmk(c, &km);
    } else {
        fprintf(stderr, "seal-client: unknown command %s\n", cmd);
        usage(stderr);
        ret = EXIT_USAGE;
    }
    sealclient_free(c);
    if (fflush(stdout) != 0 && !ret) {
        fprintf(stderr, "seal-client: standard output: %s\n", strerror(errno));
        ret = EXIT_FAILURE;
    }
    return ret;
}
