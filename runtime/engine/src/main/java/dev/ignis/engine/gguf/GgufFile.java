package dev.ignis.engine.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A GGUF file memory-mapped with the FFM API (any size, including files over 2 GiB). Parsing checks that
 * every tensor's data lies inside the file, so slices handed out by {@link #tensorData} never fault.
 * Closing the file unmaps it: segments obtained from it must not be used afterwards.
 */
public final class GgufFile implements AutoCloseable {

    private final Path path;
    private final Arena arena;
    private final MemorySegment segment;
    private final GgufHeader header;

    private GgufFile(Path path, Arena arena, MemorySegment segment, GgufHeader header) {
        this.path = path;
        this.arena = arena;
        this.segment = segment;
        this.header = header;
    }

    public static GgufFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment segment = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            GgufHeader header = GgufHeader.parse(new GgufInput.Segment(segment), segment.byteSize());
            checkTensorRanges(header, segment.byteSize());
            return new GgufFile(path, arena, segment, header);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static void checkTensorRanges(GgufHeader header, long fileSize) {
        long dataStart = header.tensorDataOffset();
        for (GgufTensorInfo t : header.tensors()) {
            long start = dataStart + t.offset();
            long end = start + t.byteSize();
            if (start < dataStart || end < start || end > fileSize) {
                throw new GgufFormatException("tensor '" + t.name() + "'", start, "data range [" + start + ", " + end
                        + ") exceeds the file size " + fileSize);
            }
        }
    }

    public Path path() {
        return path;
    }

    public GgufHeader header() {
        return header;
    }

    public long size() {
        return segment.byteSize();
    }

    /** The bytes of one tensor, a slice of the mapping. */
    public MemorySegment tensorData(GgufTensorInfo tensor) {
        return segment.asSlice(header.tensorDataOffset() + tensor.offset(), tensor.byteSize());
    }

    @Override
    public void close() {
        arena.close();
    }
}
