import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface MovieLensRating {
  userId: string;
  movieId: string;
  rating: number;
  timestamp: number;
}

export interface MovieLensMovie {
  movieId: string;
  title: string;
  genres: string[];
}

/** A data file that is not what MovieLens latest-small looks like: says which file, which line, and what is wrong. */
export class DataFileError extends Error {
  constructor(file: string, line: number, problem: string) {
    super(`${file}:${line}: ${problem}`);
    this.name = 'DataFileError';
  }
}

/** Split one CSV line (RFC 4180 quoting: titles contain commas and doubled quotes). */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields;
}

function rows(text: string, file: string, header: string): { line: number; fields: string[] }[] {
  const lines = text.split(/\r?\n/);
  if (lines[0]?.trim() !== header) throw new DataFileError(file, 1, `expected the header "${header}", found "${lines[0]}"`);
  const out: { line: number; fields: string[] }[] = [];
  for (let i = 1; i < lines.length; i++) if (lines[i]!.trim() !== '') out.push({ line: i + 1, fields: splitCsvLine(lines[i]!) });
  return out;
}

export function parseRatings(text: string, file = 'ratings.csv'): MovieLensRating[] {
  return rows(text, file, 'userId,movieId,rating,timestamp').map(({ line, fields }) => {
    if (fields.length !== 4) throw new DataFileError(file, line, `expected 4 fields, found ${fields.length}`);
    const [userId, movieId, ratingText, timestampText] = fields as [string, string, string, string];
    const rating = Number(ratingText);
    const timestamp = Number(timestampText);
    if (!/^\d+$/.test(userId) || !/^\d+$/.test(movieId)) throw new DataFileError(file, line, 'userId and movieId must be integers');
    if (!(rating >= 0.5 && rating <= 5)) throw new DataFileError(file, line, `rating "${ratingText}" is not in [0.5, 5]`);
    if (!Number.isInteger(timestamp) || timestamp < 0) throw new DataFileError(file, line, `timestamp "${timestampText}" is not a Unix time in seconds`);
    return { userId, movieId, rating, timestamp };
  });
}

export function parseMovies(text: string, file = 'movies.csv'): MovieLensMovie[] {
  return rows(text, file, 'movieId,title,genres').map(({ line, fields }) => {
    if (fields.length !== 3) throw new DataFileError(file, line, `expected 3 fields, found ${fields.length}`);
    const [movieId, title, genres] = fields as [string, string, string];
    if (!/^\d+$/.test(movieId)) throw new DataFileError(file, line, 'movieId must be an integer');
    // "(no genres listed)" is MovieLens's own marker; it becomes one category so such films still have features.
    const list = genres === '(no genres listed)' ? ['none'] : genres.split('|').filter(Boolean);
    if (list.length === 0) throw new DataFileError(file, line, 'genres is empty');
    return { movieId, title, genres: list };
  });
}

/** Ratings in replay order: by time, ties broken by user then movie so every run replays the same sequence. */
export function inReplayOrder(ratings: MovieLensRating[]): MovieLensRating[] {
  return [...ratings].sort((a, b) => a.timestamp - b.timestamp || Number(a.userId) - Number(b.userId) || Number(a.movieId) - Number(b.movieId));
}

/** The files the replay reads from a MovieLens folder. */
export const MOVIELENS_FILES = ['ratings.csv', 'movies.csv'] as const;

/** Which of the replay's files are missing from `dir` (all of them when the folder is not there); empty when it can replay. */
export function missingMovieLensFiles(dir: string): string[] {
  return MOVIELENS_FILES.filter((name) => !existsSync(join(dir, name)));
}

export function readMovieLens(dir: string): { ratings: MovieLensRating[]; movies: MovieLensMovie[] } {
  const read = (name: string) => {
    try {
      return readFileSync(join(dir, name), 'utf8');
    } catch (error) {
      throw new Error(`cannot read ${join(dir, name)} (${(error as Error).message}); pass --data <folder holding ratings.csv and movies.csv>`);
    }
  };
  return { ratings: parseRatings(read('ratings.csv')), movies: parseMovies(read('movies.csv')) };
}
