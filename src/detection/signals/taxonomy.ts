// The two label sets the text classifiers emit. Harm categories follow the Llama Guard 3 taxonomy (S1-S14),
// merged where the public safety sets cannot tell them apart (elections into misinformation, code-interpreter
// abuse into cyber). Topics are what an application's traffic is about; the capability topics are what an
// evaluation sweep covers and no single product does all of.
export const HARM_CATEGORIES = [
  'violent_crimes',
  'nonviolent_crimes',
  'sex_crimes',
  'child_sexual_exploitation',
  'defamation',
  'specialized_advice',
  'privacy',
  'intellectual_property',
  'weapons_cbrn',
  'hate',
  'self_harm',
  'sexual_content',
  'misinformation',
  'cyber',
] as const;
export type HarmCategory = (typeof HARM_CATEGORIES)[number];

export const TOPICS = ['coding', 'math', 'reasoning', 'creative', 'knowledge', 'support', 'assistant', 'chat', 'documents'] as const;
export type Topic = (typeof TOPICS)[number];

/** Topics a capability evaluation samples from; support, assistant commands, chat and document work are products. */
export const CAPABILITY_TOPICS: readonly Topic[] = ['coding', 'math', 'reasoning', 'creative', 'knowledge'];
