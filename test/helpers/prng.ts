/** The seedable PRNG the fuzz tests use (the simulators' mulberry32), so failures reproduce from the seed. */
export { mulberry32 as prng } from '../../src/simulators/lightstep/generate-trace.js';
