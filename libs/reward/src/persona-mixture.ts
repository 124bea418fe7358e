import {
  DiagonalGaussianLogistic,
  PreparedUpdate,
  type DiagonalGaussianLogisticJSON,
  type DiagonalGaussianLogisticOptions,
} from './diagonal-gaussian-logistic';
import type { FeedbackObservation } from './feedback-observation';
import { logSigmoid } from './logistic-function';
import type { PrequentialLogits } from './personalized-reward';
import { combineShardPosteriors } from './shard-posterior-combination';
import { rebasedLogits, rebasePosterior } from './pooling-strength';
import type { SparseVector } from './sparse-vector';

/**
 * Multi-persona users (issue #16; AMP-CF, Barkan et al. 2020, "Explainable Recommendations via Attentive Multi-Persona
 * Collaborative Filtering", in this project's pooled linear model). A user is up to K personas, each a deviation
 * b_k ~ N(0, τ²) from the aggregate with the same prior as today's single deviation, and a mass n_k (the share of the
 * user's events it explained); π̄_k = (n_k + 1)/(Σ n + K).
 *
 * Generative reading (a household, or one person's moods): each event is produced by one persona, who rates the item
 * with its own deviation, σ(aggregate(i) + b_k·x_i). Who is at the screen persists within a session: the persona of
 * the next event is the current one with probability ρ (`sessionPersistence`), else drawn from π̄. The learner tracks
 * π(t), the filtered probability of each persona being the current one (a hidden-Markov forward filter):
 *
 *   predict  π_k(t) = ρ·q_k(t−1) + (1 − ρ)·π̄_k,
 *   update   q_k(t) = r_k ∝ π_k(t) · exp(−c·ℓ(y, o + b_k·x)),   ℓ the logistic log-loss,
 *
 * and r_k, the persona's responsibility for the event, shares the observation: persona k takes a Laplace step with
 * weight c·r_k. With one persona r = 1 and the step is exactly today's. The event's prequential prediction is the
 * mixture P(y = 1) = Σ_k π_k(t) σ(o + b_k·x), returned as a logit.
 *
 * Serving a list (no session: which persona would be the one with this item): item-conditioned attention,
 *
 *   a_k(i) ∝ exp(b_k·x_i),   logit(i) = aggregate(i) + Σ_k a_k(i) · b_k·x_i,
 *
 * the softmax of the personas' own scores (AMP-CF's attention with the item as query; not weighted by the personas'
 * masses, which would hand every item to the larger taste): a household's smaller taste
 * keeps its items near the top instead of being averaged into the larger one's, and each item names its persona.
 *
 * Opening a persona: while a user has fewer than K personas, a shadow model with one persona more learns beside the
 * served one: copies of the served personas plus a candidate that starts at the prior, each learning with its
 * responsibility in the shadow filter (the candidate at a long-run share of at least {@link CANDIDATE_SHARE}). The
 * candidate also learns the events the served personas explain worse than the aggregate alone — the signature of a
 * taste they do not hold — which breaks the symmetry of a candidate that would otherwise copy them; a candidate that
 * does end up copying a persona (the merge test below) starts over. The decayed sum of the shadow's prequential
 * log-loss advantage over the served model,
 *
 *   G ← λ·G + c·[ℓ(y, served) − ℓ(y, shadow)],   λ = 2^(−1/halfLife),
 *
 * is a log Bayes factor of the two models on the recent events (cumulative prequential log-loss is minus the log
 * marginal likelihood); when it passes `openEvidence` nats the shadow becomes the served model (its copies have
 * specialised while the candidate took the other taste) and a new shadow starts if K allows. The served personas never
 * see the shadow, so a user whose events one persona explains is exactly today's single deviation. State: the served
 * personas and, below K, the shadow's (at most 2K − 1 posteriors).
 *
 * Merging: two personas are indistinguishable when no feature's means differ by more than `mergeZ` standard errors,
 * max_f |m_kf − m_lf| / √(v_kf + v_lf) < mergeZ; they are then merged by the product rule over their evidence (each
 * saw its own share of the events under the same prior, like the aggregate's shards) and their masses added.
 *
 * Each decision is kept with its evidence (the last {@link DECISIONS_KEPT}).
 */
export interface PersonaOptions {
  /** K ≥ 1: at most this many personas per user (1 = today's single deviation). */
  maxPersonas: number;
  /** The prior and forgetting of every persona's deviation (the single deviation's options). */
  deviation: DiagonalGaussianLogisticOptions;
  /** Nats of decayed prequential evidence the candidate needs to become a persona. */
  openEvidence?: number;
  /** Half-life in events of that evidence ("recent events"). */
  evidenceHalfLife?: number;
  /** Personas whose means are all within this many standard errors of each other are merged (0 never merges). */
  mergeZ?: number;
  /** ρ ∈ [0, 1): probability that the next event comes from the same persona as this one. */
  sessionPersistence?: number;
}

/** Defaults chosen on the planted experiment and MovieLens (`npm run experiment:personas`). */
export const DEFAULT_PERSONA_OPTIONS = { maxPersonas: 3, openEvidence: 3, evidenceHalfLife: 100, mergeZ: 1, sessionPersistence: 0.8 } as const;

/** The evidence behind one open or merge decision. */
export type PersonaDecision =
  | { kind: 'open'; persona: number; atEvent: number; evidence: number }
  | { kind: 'merge'; persona: number; into: number; atEvent: number; maxZ: number; feature: string };

/** How many decisions a user keeps (the most recent). */
export const DECISIONS_KEPT = 8;

/** One persona as stored: its id (stable for the user's lifetime), mass, current share q_k and posterior. */
export interface PersonaJSON {
  id: number;
  mass: number;
  /** q_k(t): probability that this persona produced the last event (served filter). */
  share: number;
  weights: DiagonalGaussianLogisticJSON;
}

/** A multi-persona user as stored (plain JSON: one posterior and three numbers per persona, plus the candidate). */
export interface PersonaMixtureJSON {
  personas: PersonaJSON[];
  /** The shadow model (below K): copies of the personas (same ids) and last the candidate (id −1). */
  shadow?: PersonaJSON[];
  /** The shadow's decayed evidence G over the served model, in nats. */
  evidence: number;
  eventsSeen: number;
  nextId: number;
  decisions: PersonaDecision[];
}

interface Persona {
  id: number;
  mass: number;
  share: number;
  model: DiagonalGaussianLogistic;
}

/** The token by which fromJSON builds a user without a first persona (not exported: no other caller can pass it). */
const RESTORING: unique symbol = Symbol('restoring');

/** Long-run share the candidate persona is given in the shadow filter: the smallest taste worth a persona of its own. */
export const CANDIDATE_SHARE = 0.15;
/** Mass a candidate must have learned before it can be found to copy a persona (near the prior everything does). */
const CANDIDATE_RESTART_MASS = 10;
/** Responsibilities below this skip the Laplace step (a step of weight ~0 moves nothing). */
const NEGLIGIBLE = 1e-9;

export class PersonaMixture {
  readonly maxPersonas: number;
  private readonly deviation: DiagonalGaussianLogisticOptions;
  private readonly openEvidence: number;
  private readonly decay: number;
  private readonly mergeZ: number;
  private readonly persistence: number;
  private personaList: Persona[] = [];
  private shadow: Persona[] | undefined;
  private evidence = 0;
  private events = 0;
  private nextId = 0;
  private decisionList: PersonaDecision[] = [];

  /** `restoring`: fromJSON's own call, which sets the personas itself (building a first persona and shadow would be waste). */
  constructor(options: PersonaOptions, restoring?: typeof RESTORING) {
    const { maxPersonas, deviation } = options;
    const openEvidence = options.openEvidence ?? DEFAULT_PERSONA_OPTIONS.openEvidence;
    const halfLife = options.evidenceHalfLife ?? DEFAULT_PERSONA_OPTIONS.evidenceHalfLife;
    const mergeZ = options.mergeZ ?? DEFAULT_PERSONA_OPTIONS.mergeZ;
    const persistence = options.sessionPersistence ?? DEFAULT_PERSONA_OPTIONS.sessionPersistence;
    if (!Number.isInteger(maxPersonas) || maxPersonas < 1 || maxPersonas > 16) {
      throw new RangeError(`personas: maxPersonas is ${maxPersonas}; it must be an integer in [1, 16] (1 = one deviation per user)`);
    }
    if (!(openEvidence > 0) || !Number.isFinite(openEvidence)) throw new RangeError(`personas: openEvidence is ${openEvidence}; it must be a finite number of nats > 0`);
    if (!(halfLife > 0) || !Number.isFinite(halfLife)) throw new RangeError(`personas: evidenceHalfLife is ${halfLife}; it must be a finite number of events > 0`);
    if (!(mergeZ >= 0) || !Number.isFinite(mergeZ)) throw new RangeError(`personas: mergeZ is ${mergeZ}; it must be a finite number ≥ 0 (0 never merges)`);
    if (!(persistence >= 0 && persistence < 1)) throw new RangeError(`personas: sessionPersistence is ${persistence}; it must be in [0, 1) (0: no sessions)`);
    this.maxPersonas = maxPersonas;
    this.deviation = deviation;
    this.openEvidence = openEvidence;
    this.decay = 2 ** (-1 / halfLife);
    this.mergeZ = mergeZ;
    this.persistence = persistence;
    if (restoring === RESTORING) return;
    this.personaList.push({ id: this.nextId++, mass: 0, share: 1, model: new DiagonalGaussianLogistic(deviation) });
    this.startShadow();
  }

  /** The personas, oldest first (read-only views). */
  get personas(): readonly { readonly id: number; readonly mass: number; readonly share: number; readonly model: DiagonalGaussianLogistic }[] {
    return this.personaList;
  }

  /** Open and merge decisions with their evidence, oldest first. */
  get decisions(): readonly PersonaDecision[] {
    return this.decisionList;
  }

  /** Events learned. */
  get eventsSeen(): number {
    return this.events;
  }

  /** Attention a_k(x) ∝ exp(b_k·x) over the personas (sums to 1). */
  attention(x: SparseVector): number[] {
    return normalisedExp(this.personaList.map((persona) => persona.model.logit(x)), this.personaList.length);
  }

  /** offset + Σ_k a_k(x) b_k·x; with one persona exactly `persona.logit(x, offset)`. */
  logit(x: SparseVector, offset = 0): number {
    const personas = this.personaList;
    if (personas.length === 1) return personas[0]!.model.logit(x, offset);
    const scores = personas.map((persona) => persona.model.logit(x));
    return offset + attended(scores, normalisedExp([...scores], personas.length));
  }

  /**
   * π_k: the probability that each persona produces the next event, as {@link update} predicts it (the "who is at the
   * screen" filter's prediction; its prequential logit is the mixture of the personas' scores under these shares).
   */
  predictedShares(): number[] {
    return this.predictShares(this.personaList);
  }

  /** Id of the persona with the most attention for x (the persona that serves the item). */
  servingPersona(x: SparseVector): number {
    const a = this.attention(x);
    let best = 0;
    for (let k = 1; k < a.length; k++) if (a[k]! > a[best]!) best = k;
    return this.personaList[best]!.id;
  }

  /**
   * Learns one observation (see the class documentation) and returns the prequential logit from before it (the
   * mixture's; with one persona exactly the single deviation's). All or nothing: every step is computed before any is
   * written.
   *
   * @throws RangeError (NonFiniteUpdateError for a non-finite result) before any state changes.
   */
  update(x: SparseVector, y: number, weight = 1, offset = 0): number {
    const personas = this.personaList;
    const shadow = this.shadow;
    if (personas.length === 1 && shadow === undefined) {
      // K = 1: exactly the single deviation's step.
      const persona = personas[0]!;
      const before = persona.model.prepareUpdate(x, y, weight, offset, planFor(0));
      persona.model.commitUpdate(planFor(0));
      persona.mass += 1;
      this.events++;
      return before;
    }
    if (!(y >= 0 && y <= 1)) throw new RangeError(`update: label y is ${y}; it must be a number in [0, 1] (1 positive, 0 negative, 0.5 tie)`);
    if (!(weight > 0) || !Number.isFinite(weight)) throw new RangeError(`update: weight is ${weight}; it must be a finite number > 0`);
    if (!Number.isFinite(offset)) throw new RangeError(`update: offset is ${offset}; it must be a finite number`);

    const count = personas.length;
    const scores = personas.map((persona) => persona.model.logit(x));
    const predicted = this.predictShares(personas);
    const served = count === 1 ? personas[0]!.model.logit(x, offset) : mixtureLogit(scores, predicted, offset);
    const responsibility = responsibilities(scores, predicted, y, weight, offset);

    let evidence = this.evidence;
    let shadowResponsibility: number[] = [];
    if (shadow) {
      const shadowScores = shadow.map((persona) => persona.model.logit(x));
      const shadowPredicted = this.predictShares(shadow);
      evidence = this.decay * evidence + weight * (logLoss(y, served) - logLoss(y, mixtureLogit(shadowScores, shadowPredicted, offset)));
      shadowResponsibility = responsibilities(shadowScores, shadowPredicted, y, weight, offset);
      // The candidate also learns what the served personas explain worse than the aggregate alone (up to a nat).
      const last = shadow.length - 1;
      shadowResponsibility[last] = Math.max(shadowResponsibility[last]!, Math.min(1, Math.max(0, logLoss(y, served) - logLoss(y, offset))));
    }

    // Prepare every step (any may refuse), then write them all.
    const learners = shadow ? [...personas, ...shadow] : personas;
    const shares = shadow ? [...responsibility, ...shadowResponsibility] : responsibility;
    for (let k = 0; k < learners.length; k++) {
      if (shares[k]! >= NEGLIGIBLE) learners[k]!.model.prepareUpdate(x, y, weight * shares[k]!, offset, planFor(k));
    }
    for (let k = 0; k < learners.length; k++) {
      const learner = learners[k]!;
      if (shares[k]! >= NEGLIGIBLE) learner.model.commitUpdate(planFor(k));
      learner.mass += shares[k]!;
      // The filter's state is the posterior of who produced the event (the shadow's renormalised below).
      learner.share = k < count ? responsibility[k]! : shadowResponsibility[k - count]!;
    }
    if (shadow) normaliseShares(shadow);
    this.evidence = evidence;
    this.events++;

    if (shadow && evidence > this.openEvidence) this.open(shadow, evidence);
    else if (count > 1 && this.mergeIndistinguishable()) this.startShadow();
    else if (shadow && shadow.at(-1)!.mass >= CANDIDATE_RESTART_MASS && this.copiesAPersona(shadow)) {
      shadow[shadow.length - 1] = this.fresh(-1);
      normaliseShares(shadow);
    }
    return served;
  }

  /** Serialised state (plain JSON). */
  toJSON(): PersonaMixtureJSON {
    const stored = ({ id, mass, share, model }: Persona): PersonaJSON => ({ id, mass, share, weights: model.toJSON() });
    return {
      personas: this.personaList.map(stored),
      ...(this.shadow ? { shadow: this.shadow.map(stored) } : {}),
      evidence: this.evidence,
      eventsSeen: this.events,
      nextId: this.nextId,
      decisions: [...this.decisionList],
    };
  }

  /**
   * Rebuilds a user from {@link toJSON} under `options` (the prior must be the one it was learned under).
   *
   * @throws RangeError when the state is malformed or holds more personas than options.maxPersonas.
   */
  static fromJSON(json: PersonaMixtureJSON, options: PersonaOptions): PersonaMixture {
    const user = new PersonaMixture(options, RESTORING);
    if (typeof json !== 'object' || json === null || !Array.isArray(json.personas) || json.personas.length === 0) {
      throw new RangeError('personas: a stored user needs a non-empty "personas" array');
    }
    if (json.personas.length > options.maxPersonas) {
      throw new RangeError(`personas: the stored user has ${json.personas.length} personas but maxPersonas is ${options.maxPersonas}; raise maxPersonas or merge them first`);
    }
    user.personaList = restoreAll(json.personas, 'personas', options);
    const ids = user.personaList.map((persona) => persona.id);
    if (ids.some((id) => id < 0) || new Set(ids).size !== ids.length) throw new RangeError(`personas: persona ids ${ids.join(', ')} must be integers ≥ 0, each once`);
    user.shadow = undefined;
    user.evidence = 0;
    if (user.personaList.length < options.maxPersonas) {
      if (json.shadow !== undefined) {
        if (!Array.isArray(json.shadow) || json.shadow.length !== user.personaList.length + 1) {
          throw new RangeError(`personas: the shadow must hold the ${user.personaList.length} personas and a candidate`);
        }
        user.shadow = restoreAll(json.shadow, 'shadow', options);
        user.evidence = finite(json.evidence, 'evidence', -Number.MAX_VALUE);
      } else {
        user.startShadow();
      }
    }
    user.events = finite(json.eventsSeen, 'eventsSeen', 0);
    user.nextId = Math.max(finite(json.nextId, 'nextId', 0), Math.max(...ids) + 1);
    user.decisionList = Array.isArray(json.decisions) ? json.decisions.slice(-DECISIONS_KEPT) : [];
    return user;
  }

  /**
   * This user re-expressed under another prior variance τ² (learned pooling moved it): what
   * `PersonaMixture.fromJSON(rebasePersonas(user.toJSON(), from, to), options)` returns, without the mixture's JSON in
   * between (the learner does this for every user whose partition's τ² differs from theirs, new users included).
   *
   * @throws RangeError as rebasePersonas does.
   */
  rebased(from: number, to: number, options: PersonaOptions): PersonaMixture {
    if (options.maxPersonas !== this.maxPersonas) return PersonaMixture.fromJSON(rebasePersonas(this.toJSON(), from, to), options);
    const user = new PersonaMixture(options, RESTORING);
    const rebase = ({ id, mass, share, model }: Persona): Persona => ({ id, mass, share, model: DiagonalGaussianLogistic.fromJSON(rebasePosterior(model.toJSON(), from, to), options.deviation) });
    user.personaList = this.personaList.map(rebase);
    user.shadow = this.shadow?.map(rebase);
    user.evidence = this.evidence;
    user.events = this.events;
    user.nextId = this.nextId;
    user.decisionList = [...this.decisionList];
    return user;
  }

  /** Today's single deviation as a one-persona user (same posterior and scores; nothing replayed). */
  static fromSingleDeviation(weights: DiagonalGaussianLogisticJSON, eventsSeen: number, options: PersonaOptions): PersonaMixture {
    return PersonaMixture.fromJSON({ personas: [{ id: 0, mass: eventsSeen, share: 1, weights }], evidence: 0, eventsSeen, nextId: 1, decisions: [] }, options);
  }

  /**
   * π_k(t) = ρ·q_k(t−1) + (1 − ρ)·(n_k + 1)/(Σ n + K). A candidate (id −1) counts at least {@link CANDIDATE_SHARE} of
   * the mass: at its own (1/(n + 1)) it could never win an event from personas that have seen n.
   */
  private predictShares(personas: readonly Persona[]): number[] {
    let total = 0;
    for (const persona of personas) if (persona.id >= 0) total += persona.mass;
    const masses = personas.map((persona) => (persona.id >= 0 ? persona.mass : Math.max(persona.mass, (CANDIDATE_SHARE / (1 - CANDIDATE_SHARE)) * total)));
    let massTotal = personas.length;
    for (const mass of masses) massTotal += mass;
    const rho = this.persistence;
    return personas.map((persona, k) => rho * persona.share + ((1 - rho) * (masses[k]! + 1)) / massTotal);
  }

  private fresh(id: number): Persona {
    return { id, mass: 0, share: 0, model: new DiagonalGaussianLogistic(this.deviation) };
  }

  /** Below K: a shadow of copies of the personas plus a fresh candidate, with no evidence yet. */
  private startShadow(): void {
    this.evidence = 0;
    if (this.personaList.length >= this.maxPersonas) {
      this.shadow = undefined;
      return;
    }
    const copy = ({ id, mass, share, model }: Persona): Persona => ({ id, mass, share, model: model.copy() });
    this.shadow = [...this.personaList.map(copy), this.fresh(-1)];
  }

  private open(shadow: Persona[], evidence: number): void {
    const id = this.nextId++;
    shadow[shadow.length - 1]!.id = id;
    this.personaList = shadow;
    this.record({ kind: 'open', persona: id, atEvent: this.events, evidence });
    this.startShadow();
  }

  /** Whether the shadow's candidate learned what one of the shadow's personas holds (the merge test). */
  private copiesAPersona(shadow: readonly Persona[]): boolean {
    if (this.mergeZ === 0) return false;
    const candidate = shadow.at(-1)!;
    const weights = candidate.model.toJSON();
    return shadow.slice(0, -1).some((persona) => largestDifference(weights, persona.model.toJSON(), candidate.model, persona.model).maxZ < this.mergeZ);
  }

  /** Merges the first indistinguishable pair of personas, if any; returns whether it did. */
  private mergeIndistinguishable(): boolean {
    if (this.mergeZ === 0) return false;
    const personas = this.personaList;
    const posteriors = personas.map((persona) => persona.model.toJSON());
    for (let k = 0; k < personas.length; k++) {
      for (let l = k + 1; l < personas.length; l++) {
        const { maxZ, feature } = largestDifference(posteriors[k]!, posteriors[l]!, personas[k]!.model, personas[l]!.model);
        if (maxZ >= this.mergeZ) continue;
        const merged = combineShardPosteriors([posteriors[k]!, posteriors[l]!], this.deviation.priorVariance);
        const into = personas[k]!;
        const gone = personas[l]!;
        personas[k] = { id: into.id, mass: into.mass + gone.mass, share: into.share + gone.share, model: DiagonalGaussianLogistic.fromJSON(merged, this.deviation) };
        personas.splice(l, 1);
        this.record({ kind: 'merge', persona: gone.id, into: into.id, atEvent: this.events, maxZ, feature });
        return true; // one merge per event; the next event looks again
      }
    }
    return false;
  }

  private record(decision: PersonaDecision): void {
    this.decisionList.push(decision);
    if (this.decisionList.length > DECISIONS_KEPT) this.decisionList.shift();
  }
}

function restoreAll(stored: readonly PersonaJSON[], where: string, options: PersonaOptions): Persona[] {
  return stored.map((persona, k) => {
    const id = finite(persona?.id, `${where}[${k}].id`, -1);
    if (!Number.isInteger(id)) throw new RangeError(`personas: ${where}[${k}].id is ${id}; it must be an integer`);
    const share = finite(persona.share, `${where}[${k}].share`, 0);
    if (share > 1 + 1e-9) throw new RangeError(`personas: ${where}[${k}].share is ${share}; it is a probability, in [0, 1]`);
    return { id, mass: finite(persona.mass, `${where}[${k}].mass`, 0), share, model: DiagonalGaussianLogistic.fromJSON(persona.weights, options.deviation) };
  });
}

/** Shares sum to 1 again after the candidate's residual weight was taken out of them. */
function normaliseShares(personas: Persona[]): void {
  let total = 0;
  for (const persona of personas) total += persona.share;
  for (const persona of personas) persona.share = total > 0 ? persona.share / total : 1 / personas.length;
}

/**
 * A stored user re-expressed under another prior variance τ² (learned pooling moved it): every persona's posterior and
 * every shadow member's rebased by {@link rebasePosterior} (the data's evidence kept, the prior swapped); masses,
 * shares, the shadow's evidence and the decisions unchanged. With one persona, exactly rebasePosterior of it.
 *
 * @throws RangeError as rebasePosterior does (a posterior not learned under `from`).
 */
export function rebasePersonas(json: PersonaMixtureJSON, from: number, to: number): PersonaMixtureJSON {
  const rebaseAll = (personas: readonly PersonaJSON[]) => personas.map((persona) => ({ ...persona, weights: rebasePosterior(persona.weights, from, to) }));
  return { ...json, personas: rebaseAll(json.personas), ...(json.shadow ? { shadow: rebaseAll(json.shadow) } : {}) };
}

/**
 * {@link rebasedLogits} for a multi-persona user: one observation scored under every τ² of a grid, each persona's
 * posterior (learned under `tau2`) rebased to it, before the user learns it. The candidate's prediction is the one the
 * learner makes ({@link PersonaMixture.update}'s prequential logit): the mixture over who is at the screen,
 * p_k(y = 1) = Σ_j π_j σ(z_jk), with π the predicted shares and z_jk persona j's moderated logit under τ²_k (offset
 * and its variance included). So a persona that explains only part of the user's events is judged on the events the
 * mixture gives it, not charged for the others'. One persona: exactly rebasedLogits of it. The array returned is
 * scratch, valid until the next call.
 */
export function rebasedMixtureLogits(grid: readonly number[], user: PersonaMixture, tau2: number, x: SparseVector, offset: number, offsetVariance: number): Float64Array {
  const personas = user.personas;
  if (personas.length === 1) return rebasedLogits(grid, personas[0]!.model, tau2, x, offset, offsetVariance);
  // Scratch, not per-event arrays: this runs for every event of a multi-persona user where τ² is learned
  // (`bench/mixture-logits.bench.ts` measured the allocating version).
  const count = personas.length;
  const size = grid.length;
  if (count * size > mixtureScratch.byPersona.length) mixtureScratch.byPersona = new Float64Array(2 * count * size);
  if (size > mixtureScratch.out.length) mixtureScratch.out = new Float64Array(2 * size);
  if (count > mixtureScratch.logShares.length) {
    mixtureScratch.logShares = new Float64Array(2 * count);
    mixtureScratch.terms = new Float64Array(2 * count);
  }
  const { byPersona, out, logShares } = mixtureScratch;
  const shares = user.predictedShares();
  for (let j = 0; j < count; j++) {
    logShares[j] = Math.log(shares[j]!);
    // Per persona, its logits on the grid (rebasedLogits returns its scratch: copied before the next persona's call).
    byPersona.set(rebasedLogits(grid, personas[j]!.model, tau2, x, offset, offsetVariance), j * size);
  }
  for (let k = 0; k < size; k++) {
    // p⁺ = Σ_j π_j σ(z_jk) and p⁻ = Σ_j π_j σ(−z_jk), each a sum of positive terms (no cancellation), one exp per
    // term: σ(|z|) = 1/(1 + e), σ(−|z|) = e/(1 + e), e = exp(−|z|). Only a logit so large that e underflows leaves
    // a sum at 0; that grid member is then summed in log space.
    let positive = 0;
    let negative = 0;
    for (let j = 0; j < count; j++) {
      const z = byPersona[j * size + k]!;
      const e = Math.exp(-Math.abs(z));
      const large = shares[j]! / (1 + e);
      const small = shares[j]! * e / (1 + e);
      positive += z >= 0 ? large : small;
      negative += z >= 0 ? small : large;
    }
    out[k] = positive > 1e-300 && negative > 1e-300 ? Math.log(positive / negative) : mixtureLogSum(byPersona, logShares, count, size, k, 1) - mixtureLogSum(byPersona, logShares, count, size, k, -1);
  }
  return out.subarray(0, size);
}

/** log Σ_j π_j σ(sign · z_jk), from the personas' logits laid out persona-major; stably (max subtracted). */
function mixtureLogSum(byPersona: Float64Array, logShares: Float64Array, count: number, size: number, k: number, sign: 1 | -1): number {
  const terms = mixtureScratch.terms;
  let max = -Infinity;
  for (let j = 0; j < count; j++) max = Math.max(max, (terms[j] = logShares[j]! + logSigmoid(sign * byPersona[j * size + k]!)));
  if (max === -Infinity) return max;
  let total = 0;
  for (let j = 0; j < count; j++) total += Math.exp(terms[j]! - max);
  return max + Math.log(total);
}

// Scratch of rebasedMixtureLogits (synchronous, never re-entered); the array it returns is valid until the next call.
const mixtureScratch = { byPersona: new Float64Array(96), out: new Float64Array(32), logShares: new Float64Array(8), terms: new Float64Array(8) };

/**
 * Learns one observation in the aggregate and a multi-persona user, as {@link updateOnObservation} does for a single
 * deviation (the user's offset is the aggregate's score before it learns the event), and returns both prequential
 * logits. With one persona the result and both posteriors are exactly updateOnObservation's.
 *
 * `aggregateWeight` and `userWeight` are the observation's weight in each likelihood when they differ from
 * `observation.weight` (a judgment weighed by its reliability in one model and not the other, issue #15).
 */
export function updateOnObservationWithPersonas(
  aggregate: DiagonalGaussianLogistic,
  user: PersonaMixture,
  observation: FeedbackObservation,
  aggregateWeight = observation.weight,
  userWeight = aggregateWeight,
): PrequentialLogits {
  const { aggregateX, userX, y } = observation;
  const offset = aggregate.prepareUpdate(aggregateX, y, aggregateWeight, 0, aggregatePlan);
  // The user refuses before the aggregate is written: all or nothing, as for a single deviation.
  const personalized = user.update(userX, y, userWeight, offset);
  aggregate.commitUpdate(aggregatePlan);
  return { aggregate: offset, personalized };
}

/**
 * A persona's name from its strongest categories: the `cat:*` features with the largest positive posterior means,
 * at most `count`, joined by " · " ("horror · thriller"); "general" when none is positive.
 */
export function personaLabel(model: DiagonalGaussianLogistic | DiagonalGaussianLogisticJSON, count = 2): string {
  const json = model instanceof DiagonalGaussianLogistic ? model.toJSON() : model;
  const strongest = Object.keys(json)
    .filter((feature) => feature.startsWith('cat:') && json[feature]![0] > 0)
    .sort((a, b) => json[b]![0] - json[a]![0] || (a < b ? -1 : 1))
    .slice(0, count)
    .map((feature) => feature.slice('cat:'.length));
  return strongest.length > 0 ? strongest.join(' · ') : 'general';
}

const aggregatePlan = new PreparedUpdate();
// One plan per persona slot (the candidate's is the last): prepared together, written together.
const plans: PreparedUpdate[] = [];
function planFor(k: number): PreparedUpdate {
  while (plans.length <= k) plans.push(new PreparedUpdate());
  return plans[k]!;
}

function finite(value: unknown, name: string, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) throw new RangeError(`personas: ${name} is ${String(value)}; it must be a finite number ≥ ${min}`);
  return value;
}

/** r_k ∝ π_k · exp(−c·ℓ(y, o + score_k)). */
function responsibilities(scores: readonly number[], shares: readonly number[], y: number, weight: number, offset: number): number[] {
  return normalisedExp(scores.map((score, k) => Math.log(shares[k]!) - weight * logLoss(y, offset + score)), scores.length);
}

/** logit of Σ_k π_k σ(o + score_k), from log-sums so that confident scores do not round to 0 or 1. */
function mixtureLogit(scores: readonly number[], shares: readonly number[], offset: number): number {
  return logSumExp(scores.map((score, k) => Math.log(shares[k]!) + logSigmoid(offset + score))) - logSumExp(scores.map((score, k) => Math.log(shares[k]!) + logSigmoid(-offset - score)));
}

function logSumExp(values: readonly number[]): number {
  let max = -Infinity;
  for (const value of values) if (value > max) max = value;
  if (max === -Infinity) return max;
  let total = 0;
  for (const value of values) total += Math.exp(value - max);
  return max + Math.log(total);
}

/** exp(logits) / Σ exp(logits), in place, stably (max subtracted). */
function normalisedExp(logits: number[], count: number): number[] {
  let max = -Infinity;
  for (let k = 0; k < count; k++) if (logits[k]! > max) max = logits[k]!;
  let total = 0;
  for (let k = 0; k < count; k++) total += logits[k] = Math.exp(logits[k]! - max);
  for (let k = 0; k < count; k++) logits[k] = logits[k]! / total;
  return logits;
}

function attended(scores: readonly number[], attention: readonly number[]): number {
  let z = 0;
  for (let k = 0; k < scores.length; k++) z += attention[k]! * scores[k]!;
  return z;
}

/** −[y log σ(z) + (1 − y) log σ(−z)]. */
function logLoss(y: number, z: number): number {
  return -(y * logSigmoid(z) + (1 - y) * logSigmoid(-z));
}

/** max_f |m_kf − m_lf| / √(v_kf + v_lf) over the features either posterior holds. */
function largestDifference(
  a: DiagonalGaussianLogisticJSON,
  b: DiagonalGaussianLogisticJSON,
  modelA: DiagonalGaussianLogistic,
  modelB: DiagonalGaussianLogistic,
): { maxZ: number; feature: string } {
  let maxZ = 0;
  let feature = '';
  for (const name of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const z = Math.abs(modelA.mean(name) - modelB.mean(name)) / Math.sqrt(modelA.variance(name) + modelB.variance(name));
    if (z > maxZ) (maxZ = z), (feature = name);
  }
  return { maxZ, feature };
}
