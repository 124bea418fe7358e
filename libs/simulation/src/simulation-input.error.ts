/**
 * Thrown when the simulator is given options or input it cannot use. A `RangeError` with the stable code
 * `SIMULATION.INVALID_INPUT`; the message names the option, the value and what is expected.
 */
export class SimulationInputError extends RangeError {
  readonly code = 'SIMULATION.INVALID_INPUT';

  constructor(message: string) {
    super(message);
    this.name = 'SimulationInputError';
  }
}
