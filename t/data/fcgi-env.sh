#!/bin/sh
# A CGI script run by fcgiwrap in t/060-forward.t: shows what a FastCGI
# upstream receives.
printf 'Content-Type: text/plain\r\n\r\n'
printf 'HTTP_X_USER_ID=[%s]\n' "$HTTP_X_USER_ID"
printf 'HTTP_X_USER_ROLES=[%s]\n' "$HTTP_X_USER_ROLES"
printf 'HTTP_AUTHORIZATION=[%s]\n' "$HTTP_AUTHORIZATION"
