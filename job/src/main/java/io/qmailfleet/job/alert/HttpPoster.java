package io.qmailfleet.job.alert;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * POSTs JSON with retries: a connection error, 429 or 5xx is retried with exponential back-off
 * (up to {@code attempts} tries); any other status is final (a 400 means the event itself is
 * wrong, and sending it again cannot help). Never prints the body it sends.
 */
final class HttpPoster {
    /** Outcome of one post. */
    static final class Result {
        final int status;
        final int tries;
        final String error;

        Result(int status, int tries, String error) {
            this.status = status;
            this.tries = tries;
            this.error = error;
        }

        boolean ok() {
            return status >= 200 && status < 300;
        }

        /** Not accepted, but it might be later: a connection error, 429 or 5xx after every try. */
        boolean gaveUp() {
            return !ok() && (status < 0 || retryable(status));
        }
    }

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final int attempts;
    private final Duration backoff;

    HttpPoster(int attempts, Duration backoff) {
        this.attempts = Math.max(1, attempts);
        this.backoff = backoff;
    }

    static boolean retryable(int status) {
        return status == 429 || status >= 500;
    }

    Result post(String url, String json) throws InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8))
                .build();
        String last = null;
        int status = -1;
        for (int i = 1; i <= attempts; i++) {
            try {
                HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                status = r.statusCode();
                if (!retryable(status)) {
                    String body = r.body() == null ? "" : r.body().replaceAll("\\s+", " ");
                    return new Result(status, i, status >= 300 ? "HTTP " + status + ": "
                            + (body.length() > 300 ? body.substring(0, 300) + "..." : body) : null);
                }
                last = "HTTP " + status;
            } catch (IOException e) {
                status = -1;
                last = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            }
            if (i < attempts) Thread.sleep(backoff.toMillis() << Math.min(i - 1, 6));
        }
        return new Result(status, attempts, last + " after " + attempts + " tries");
    }
}
