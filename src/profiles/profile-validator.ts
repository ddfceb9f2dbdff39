import { Injectable } from '@nestjs/common';
import { ToolRegistry } from '../tools/tool-registry.js';
import { validateProfile, type ProfileValidation } from './profile-schema.js';

/** The one schema, with what the running service offers (its tools) as context; every source checks through it. */
@Injectable()
export class ProfileValidator {
  constructor(private readonly tools: ToolRegistry) {}

  validate(doc: unknown): ProfileValidation {
    return validateProfile(doc, { toolNames: this.tools.names() });
  }
}
