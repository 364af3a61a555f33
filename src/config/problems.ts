import { InputError, InputErrors } from '../errors';

/** Collects every bad input of a run, so the user sees all of them in one failed run instead of one per run. */
export class Problems {
  private readonly errors: InputError[] = [];

  add(input: string, message: string, hint: string): undefined {
    this.errors.push(new InputError(input, message, hint));
    return undefined;
  }

  has(input: string): boolean {
    return this.errors.some((e) => e.input === input);
  }

  get count(): number {
    return this.errors.length;
  }

  throwIfAny(): void {
    if (this.errors.length > 0) throw new InputErrors(this.errors);
  }
}
