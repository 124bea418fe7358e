/**
 * Runs calibrationSweep in a worker thread: the demo starts it when it has read the ratings, so the λ sweep (~35 s on
 * MovieLens latest-small) overlaps the live replay instead of adding to it. See startCalibrationSweep.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { calibrationSweep, type CalibrationSweepOptions } from './calibration-sweep';
import type { MovieLensMovie, MovieLensRating } from '../movielens-reader';

const { ratings, movies, options } = workerData as { ratings: MovieLensRating[]; movies: MovieLensMovie[]; options: CalibrationSweepOptions };
parentPort!.postMessage(calibrationSweep(ratings, movies, options));
