package dev.ignis.engine.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Zeroed native memory from the C library's {@code calloc}, freed once unreachable (an automatic arena's
 * cleanup). Not {@link Arena#allocate}: an arena's native memory counts against the JVM's direct-memory
 * limit ({@code -XX:MaxDirectMemorySize}, by default the maximum heap), so a process with a small fixed heap
 * (the runtime's 384 MB) could not hold a model's repacked weights or its KV caches. {@code calloc} of a
 * large block maps fresh zero pages, which become resident only as they are written. Native access must be
 * enabled for the engine ({@code --enable-native-access=ALL-UNNAMED}; the engine jar's manifest enables it
 * for {@code java -jar}).
 */
public final class NativeMemory {

    private static final MethodHandle CALLOC;
    private static final MethodHandle FREE;

    static {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        CALLOC = linker.downcallHandle(libc.find("calloc").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
        FREE = linker.downcallHandle(libc.find("free").orElseThrow(), FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
    }

    private NativeMemory() {
    }

    /**
     * {@code bytes} of zeroed native memory, freed once the segment is unreachable; {@code what} names the
     * memory in the {@link OutOfMemoryError} thrown when there is not enough.
     */
    public static MemorySegment allocate(long bytes, String what) {
        MemorySegment address;
        try {
            address = (MemorySegment) CALLOC.invokeExact(1L, bytes);
        } catch (Throwable e) {
            throw new IllegalStateException("calloc failed", e);
        }
        if (address.equals(MemorySegment.NULL)) {
            throw new OutOfMemoryError("cannot allocate " + what + " of " + bytes / (1 << 20) + " MiB of native memory");
        }
        return address.reinterpret(bytes, Arena.ofAuto(), NativeMemory::free);
    }

    private static void free(MemorySegment segment) {
        try {
            FREE.invokeExact(segment);
        } catch (Throwable e) {
            throw new IllegalStateException("free failed", e);
        }
    }
}
