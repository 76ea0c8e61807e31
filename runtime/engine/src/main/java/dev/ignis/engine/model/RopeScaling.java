package dev.ignis.engine.model;

/**
 * How a model stretches its rotary embedding past the context it was pre-trained for, as its GGUF
 * metadata ({@code <arch>.rope.scaling.*}) or a {@code rope_freqs.weight} tensor says.
 */
public sealed interface RopeScaling {

    /** The frequencies as trained. */
    record None() implements RopeScaling {
    }

    /** Positions divided by {@code factor} ("position interpolation"). */
    record Linear(double factor) implements RopeScaling {
        public Linear {
            if (!(factor > 0)) {
                throw new IllegalArgumentException("linear rope scaling factor must be positive, got " + factor);
            }
        }
    }

    /**
     * Llama 3.1's frequency-dependent scaling (Meta's reference {@code apply_scaling}): wavelengths shorter than
     * {@code originalContext / highFreqFactor} are kept, those longer than {@code originalContext / lowFreqFactor}
     * are divided by {@code factor}, and those between are interpolated smoothly.
     */
    record Llama3(double factor, double lowFreqFactor, double highFreqFactor, int originalContext)
            implements RopeScaling {
        public Llama3 {
            if (!(factor > 0) || !(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor) || originalContext < 1) {
                throw new IllegalArgumentException("invalid llama3 rope scaling: factor " + factor + ", low " + lowFreqFactor
                        + ", high " + highFreqFactor + ", original context " + originalContext);
            }
        }

        /** The scaled frequency (radians per position) of one rotating pair whose trained frequency is {@code freq}. */
        double scale(double freq) {
            double wavelength = 2 * Math.PI / freq;
            double highFreqWavelength = originalContext / highFreqFactor;
            double lowFreqWavelength = originalContext / lowFreqFactor;
            if (wavelength < highFreqWavelength) {
                return freq;
            }
            if (wavelength > lowFreqWavelength) {
                return freq / factor;
            }
            double smooth = (originalContext / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
            return (1 - smooth) * freq / factor + smooth * freq;
        }
    }
}
