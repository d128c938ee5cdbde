package io.logitstream.app.batch;

import java.io.PrintStream;

/**
 * Shows the progress line on stderr: rewritten in place on a terminal, a full line every ten
 * seconds when stderr is a file or a pipe (a log must not fill with carriage returns).
 */
public final class ProgressPrinter {

    private static final long LOG_EVERY_MS = 10_000;

    private final PrintStream err;
    private final boolean terminal;
    private long lastLoggedMs;
    private int lastWidth;

    public ProgressPrinter(PrintStream err) {
        this(err, System.console() != null);
    }

    ProgressPrinter(PrintStream err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    public synchronized void tick(String line) {
        if (terminal) {
            err.print("\r" + line + " ".repeat(Math.max(0, lastWidth - line.length())));
            lastWidth = line.length();
            err.flush();
        } else if (System.currentTimeMillis() - lastLoggedMs >= LOG_EVERY_MS) {
            lastLoggedMs = System.currentTimeMillis();
            err.println(line);
        }
    }

    /** The last progress line, then a line of its own for what follows. */
    public synchronized void finish(String line) {
        if (terminal) {
            err.println("\r" + line + " ".repeat(Math.max(0, lastWidth - line.length())));
        } else {
            err.println(line);
        }
        lastWidth = 0;
    }

    public synchronized void message(String text) {
        if (terminal && lastWidth > 0) {
            err.println();
            lastWidth = 0;
        }
        err.println(text);
    }
}
