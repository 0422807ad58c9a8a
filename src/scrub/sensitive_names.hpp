// Names that mark the value next to them as a secret: JSON keys, query and form parameter
// names, HTTP header names, and the `name`/`key` member of name/value pairs (HAR and
// Postman headers, query strings, form fields). One list serves all of them, so the JSON
// view and the raw-text view of a body agree on what is secret.
// All functions are pure and thread-safe.
#pragma once

#include <string_view>

namespace gostly::scrub {

// The secret-bearing words as an RE2 alternation, without flags or capturing groups
// (password, passwd, pwd, passphrase, secret, token, api_key/apikey, private_key,
// secret_key, secret_access_key, and access/refresh/id/auth/session/bearer/oauth/client/
// app/webhook/signing/api followed by token, secret or key). Used case-insensitively, with
// "_" or "-" between the words optional.
std::string_view SecretWordsPattern();

// A key whose value is a secret: one of the words above as the whole name or as its last
// part after a non-alphanumeric separator ("password", "user.password", "x-api-key",
// "oauth_token", "clientSecret"), or authorization, proxy-authorization, cookie,
// set-cookie, cvv/cvc(2), credential(s). Case-insensitive. "token_type" and
// "password_hint" are not sensitive.
bool IsSensitiveKeyName(std::string_view name);

// A header (or name/value pair) whose value is a credential: IsSensitiveKeyName, the
// header floor of DESIGN §5 (authorization, proxy-authorization, cookie, set-cookie,
// x-amz-security-token, ocp-apim-subscription-key, …), and any name containing authoriz,
// authenticat, token, secret, api-key, apikey, api_key, passw, csrf, xsrf, session,
// signature, credential or cookie.
bool IsSensitiveHeaderName(std::string_view name);

// Authorization-style headers, whose scheme word ("Bearer", "Basic", …) is kept when the
// value is redacted.
bool IsAuthorizationHeaderName(std::string_view name);

}  // namespace gostly::scrub
