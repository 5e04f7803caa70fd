// Reads the harm-concept lexicon (rules/lexicon/harm-concepts.yaml) for the trainer; the trained model carries
// the terms it was trained with, so the runtime never reads this file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { rulesDir } from '../../detection/data-path.js';
import { compileConcepts, type ConceptTerms } from '../../detection/text/concept-lexicon.js';

const FileSchema = z.object({
  version: z.literal(1),
  concepts: z.record(z.string().regex(/^[a-z_]+$/), z.object({ strong: z.array(z.string()).optional(), weak: z.array(z.string()).optional() }).strict()),
}).strict();

export function loadConceptTerms(path = join(rulesDir(), 'lexicon', 'harm-concepts.yaml')): ConceptTerms {
  const file = FileSchema.parse(parse(readFileSync(path, 'utf8')));
  compileConcepts(file.concepts); // throws on a term the hasher could never match
  return file.concepts;
}
