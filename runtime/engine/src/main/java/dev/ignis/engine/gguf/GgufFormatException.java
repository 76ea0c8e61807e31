package dev.ignis.engine.gguf;

/**
 * A GGUF file that cannot be read: truncated, corrupt, hostile or of an unsupported kind. The message
 * names the field and the byte offset where reading stopped. Unchecked, because a caller can do nothing
 * but report it; I/O failures of the underlying stream stay {@link java.io.IOException}s.
 */
public class GgufFormatException extends RuntimeException {

    private final long offset;

    public GgufFormatException(String field, long offset, String problem) {
        super(field + " at offset " + offset + ": " + problem);
        this.offset = offset;
    }

    GgufFormatException(String field, long offset, String problem, Throwable cause) {
        super(field + " at offset " + offset + ": " + problem, cause);
        this.offset = offset;
    }

    /** Byte offset in the file where the problem was found. */
    public long offset() {
        return offset;
    }
}
