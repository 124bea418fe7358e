import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFileError, inReplayOrder, missingMovieLensFiles, parseMovies, parseRatings, splitCsvLine } from './movielens-reader';

describe('MovieLens reader', () => {
  it('splits quoted CSV fields with commas and doubled quotes', () => {
    expect(splitCsvLine('11,"American President, The (1995)",Comedy|Drama|Romance')).toEqual(['11', 'American President, The (1995)', 'Comedy|Drama|Romance']);
    expect(splitCsvLine('1,"Say ""Hi"" (2001)",Drama')).toEqual(['1', 'Say "Hi" (2001)', 'Drama']);
  });

  it('parses ratings and movies, mapping "(no genres listed)" to one category', () => {
    expect(parseRatings('userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n')).toEqual([{ userId: '1', movieId: '31', rating: 2.5, timestamp: 1260759144 }]);
    expect(parseMovies('movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n2,Nothing,(no genres listed)\n')).toEqual([
      { movieId: '1', title: 'Toy Story (1995)', genres: ['Adventure', 'Animation'] },
      { movieId: '2', title: 'Nothing', genres: ['none'] },
    ]);
  });

  it('names the file, line and problem of a bad row', () => {
    expect(() => parseRatings('userId,movieId,rating,timestamp\n1,31,7,1260759144\n')).toThrow(new DataFileError('ratings.csv', 2, 'rating "7" is not in [0.5, 5]'));
    expect(() => parseRatings('user,movie\n')).toThrow(/ratings.csv:1: expected the header/);
    expect(() => parseMovies('movieId,title,genres\nx,T,Drama\n')).toThrow(/movies.csv:2: movieId must be an integer/);
  });

  it('orders the replay by time, then user, then movie', () => {
    const ordered = inReplayOrder([
      { userId: '2', movieId: '1', rating: 4, timestamp: 5 },
      { userId: '1', movieId: '9', rating: 4, timestamp: 5 },
      { userId: '1', movieId: '3', rating: 4, timestamp: 5 },
      { userId: '3', movieId: '1', rating: 4, timestamp: 1 },
    ]);
    expect(ordered.map((r) => `${r.userId}:${r.movieId}`)).toEqual(['3:1', '1:3', '1:9', '2:1']);
  });

  it('names the files missing from a folder, all of them when the folder is not there', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chorus-movielens-'));
    try {
      expect(missingMovieLensFiles(join(dir, 'nowhere'))).toEqual(['ratings.csv', 'movies.csv']);
      expect(missingMovieLensFiles(dir)).toEqual(['ratings.csv', 'movies.csv']);
      writeFileSync(join(dir, 'movies.csv'), 'movieId,title,genres\n');
      expect(missingMovieLensFiles(dir)).toEqual(['ratings.csv']);
      writeFileSync(join(dir, 'ratings.csv'), 'userId,movieId,rating,timestamp\n');
      expect(missingMovieLensFiles(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
