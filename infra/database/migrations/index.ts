import { InitialSchema1764230400000 } from './1764230400000-initial-schema';

/** Every migration, in order. Listed explicitly so compiled and test (TypeScript) runs load the same set. */
export const migrations = [InitialSchema1764230400000];
