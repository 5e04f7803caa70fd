// Marks an evaluation harness or a distillation script leaves in a prompt, whatever the benchmark or data set:
// answer-format directives, multiple-choice layouts, grading instructions, placeholder entities, code-stub
// completions, few-shot blocks, chain-of-thought elicitation and reasoning-trace coercion. Each is a pattern
// of how harnesses are written (lm-eval-harness, OpenAI simple-evals, HELM, judge prompts), not a phrase list of
// one benchmark. Only the head and tail of a prompt are scanned, where instructions sit.
export const CUE_FORMAT = 1;
export const CUE_CHOICES = 2;
export const CUE_GRADING = 4;
export const CUE_PLACEHOLDER = 8;
export const CUE_CODE_STUB = 16;
export const CUE_FEW_SHOT = 32;
export const CUE_COT = 64;
export const CUE_COERCION = 128;
/**
 * Not a counted cue: the answer is asked for in a form a grader parses (a letter, a number on the last line,
 * \boxed{}, a JSON key, "Answer: <x>"), or the prompt says it will be graded. A bare "then give the final answer"
 * is how harvests word their reasoning requests too, so it makes `answer_format` but not this.
 */
export const CUE_GRADED = 256;

/** Cues that say "this prompt was written for an evaluation harness". */
export const EVAL_CUES = CUE_FORMAT | CUE_CHOICES | CUE_GRADING | CUE_CODE_STUB | CUE_FEW_SHOT;

export const CUE_NAMES: Array<[number, string]> = [
  [CUE_FORMAT, 'answer_format'],
  [CUE_CHOICES, 'multiple_choice'],
  [CUE_GRADING, 'grading'],
  [CUE_PLACEHOLDER, 'placeholder'],
  [CUE_CODE_STUB, 'code_stub'],
  [CUE_FEW_SHOT, 'few_shot'],
  [CUE_COT, 'cot'],
  [CUE_COERCION, 'reasoning_coercion'],
];

// Where the final answer goes, without saying in what form: a harness's wording, and a harvest's.
const LOOSE_FORMAT = [
  /\b(?:put|write|give|place|state|enclose|present|provide) (?:your |the )?final answer\b/i,
  /\bfinal answer\s*(?:in|within|inside|as|:)/i,
];

const FORMAT = [
  // "Answer: $LETTER", "ANSWER: B", "the answer is (X)"
  /\banswer\s*:\s*\$?\(?[A-Z]\)?\b|\$LETTER|\$ANSWER|\$NUMBER|\bthe (?:correct |final )?answer is \(?\$?[A-Z]\)?[.\s]/,
  // "answer with only the letter", "respond with just the number", "reply with a single word"
  /\b(?:answer|respond|reply|output|return)\w*\s+(?:\w+\s+){0,3}(?:only|just|solely|exactly)\s+(?:with\s+)?(?:the|a|one|your)?\s*(?:single\s+)?(?:letter|option|choice|number|integer|digit|word|label|final answer|answer|json|code|yes|true)\b/i,
  /\b(?:answer|respond|reply)\s+(?:with|using)\s+(?:a|one|the)?\s*(?:single\s+)?(?:letter|number|integer|word|label|yes or no|true or false)\b/i,
  // "final answer on the last line", "the last line of your response should be"
  /\b(?:last|final|first) line (?:of (?:your|the) (?:response|answer|output)|should|must)\b/i,
  ...LOOSE_FORMAT,
  // "End your response with 'Result: <your answer>'", "conclude with a line of the form ..."
  /\b(?:end|finish|conclude|close) (?:your |the )?(?:response|answer|reply|output) with\b|\b(?:end|finish|conclude) with a line\b/i,
  /\b(?:answer|result|verdict|label|output)\s*:\s*<[^>\n]{1,30}>/i,
  /\\boxed\s*\{/,
  // JSON answer schemas: {"answer": ...}, {"label": ...}, {"score": ...}
  /\{\s*\\?["']?(?:answer|label|choice|score|rating|verdict|prediction|final_answer|correct)\\?["']?\s*:/i,
  /\b(?:do not|don't|without)\s+(?:include\s+|provide\s+|give\s+|add\s+)?(?:any\s+)?(?:explanations?|reasoning|commentary|other text)\b/i,
  /\b(?:in|using) the (?:following|exact|specified) format\b|\bformat your (?:response|answer)\b/i,
];

const CHOICE_LINE = /^\s*(?:\(?[A-Ja-j][).:]|\[[A-J]\]|[A-J]\s*[-–]\s)\s*\S/;
const CHOICE_HEADER = /\b(?:options|choices|answer choices|candidates)\s*:/i;

const GRADING = [
  /\b(?:you|your (?:response|answer|code|solution))\s+will be\s+(?:graded|scored|evaluated|judged|tested|checked|marked)\b/i,
  /\b(?:rubric|grader|grading criteria|scoring criteria|reference answer|ground[- ]truth|gold answer|expected output)\b/i,
  /\bon a scale (?:of|from) \d|\b(?:score|grade|rate) (?:the|this|each|every) (?:response|answer|output|submission|completion|solution)s?\b/i,
  /\b(?:evaluate|assess|judge|compare)\s+(?:the|this|these|both)\s+(?:two\s+)?(?:responses?|answers?|outputs?|assistants?|completions?)\b/i,
  /\b(?:test cases?|unit tests?|hidden tests?)\s+(?:will|must|should)\b|\bpass(?:es)? (?:all )?the (?:provided |hidden )?tests\b/i,
];

const PLACEHOLDER = [
  /\b(?:Acme|Globex|Initech|Contoso|Fabrikam|Umbrella Corp(?:oration)?|Hooli|Wonka|Vandelay|Cyberdyne|Soylent)\b/,
  /\b(?:John|Jane|Richard|Mary) (?:Doe|Roe|Smith)\b/,
  /\bexample\.(?:com|org|net)\b|\b(?:foo|bar|baz)@/,
  /\b(?:Company|Person|Country|Product|City|Candidate|Employee|Patient|Student|Customer|Individual|User) [A-Z]\b(?![a-z'])/,
  /\b(?:XYZ|ABC) (?:Corp|Inc|Ltd|Company|Corporation)\b/,
  /\[(?:NAME|COMPANY|PRODUCT|PLACEHOLDER|INSERT[^\]]{0,30}|YOUR[^\]]{0,20}|TARGET|PERSON|LOCATION|X)\]/,
  /<(?:company|product|target|placeholder)>/i,
  /\{\{\s*\w+\s*\}\}/,
];

const CODE_STUB = [
  // A function signature followed by a docstring: the HumanEval/MBPP completion layout.
  /^\s*def [A-Za-z_]\w*\s*\([^)]*\)\s*(?:->\s*[^:\n]+)?:\s*\n\s+(?:"""|''')/m,
  /^\s*(?:function|func|fn|public static \w+|int|void|bool|def)\s+[A-Za-z_]\w*\s*\([^)]*\)[^{\n]*\{?\s*\n\s*(?:\/\*\*|\/\/\/|#)/m,
  /^>>> \S/m,
  /\b(?:complete|implement|finish|fill in) (?:the|this) (?:following |given |body of the )?(?:python |function|method|code|class|program)\b/i,
  /\bwrite (?:a|an) (?:python |javascript |java |c\+\+ |go |rust )?(?:function|program|method|class|script)\b.{0,80}\b(?:that|which|to) (?:takes|returns|accepts|given|computes|checks|determines|finds|counts|sorts)\b/i,
];

const FEW_SHOT_Q = /^\s*(?:Q|Question|Problem|Input|Example\s*\d*|Premise|Passage|Sentence|Text|Review)\s*\d*\s*:/gim;
const FEW_SHOT_A = /^\s*(?:A|Answer|Output|Solution|Label|Hypothesis|Sentiment|Category)\s*\d*\s*:/gim;

// A request to see the reasoning, worded any of many ways: named phrases ("step by step", "chain of thought"), and
// a verb of showing before a noun of process ("lay out every consideration", "showing all the work", "document your
// thinking"), narrating as one goes, breaking the problem into parts, from first principles, checking one's own
// solution. Ambiguous nouns ("work", "logic", "approach", "steps") count only as the answerer's own or each one
// ("show your work", "explain each step"), so "describe the work of Monet" or "show the steps to reset my
// password" do not. Measured on paraphrases written apart from the simulator's (docs/detection.md): the named
// phrases alone caught 5 of 25, this 21; on application corpora it matches at most 0.5 points more prompts.
const SHOWING = String.raw`(?:show|shows|showing|lay(?:s|ing)? out|write|writes|writing|spell(?:s|ing)? out|narrat\w*|explain\w*|walk\w* (?:me |us )?through|talk\w* through|go(?:es|ing)? through|outline\w*|detail\w*|document\w*|describ\w*|present\w*|includ\w*|provid\w*|shar\w*|justif\w*|articulat\w*|giv\w*|state|stating)`;
const PROCESS = String.raw`(?:reasoning|thought process|thinking process|considerations?|deductions?|derivations?|calculations?|computations?|rationale|justifications?|intermediate (?:steps?|results?|calculations?|reasoning))`;
const OWNED_PROCESS = String.raw`(?:your|all (?:of )?(?:your|the)|every|each|all)\s+(?:work|working|logic|thinking|approach|steps?(?!\s+(?:to|for|required|needed|involved)\b)|method|process)`;
const COT = new RegExp(
  [
    // Named phrases.
    String.raw`\bstep[- ]by[- ]step\b|\bthink (?:carefully|through|aloud|it through|hard|deeply|logically)\b|\bshow (?:your|all|the|every) (?:work|working|reasoning|steps|calculations)\b|\bexplain (?:your|the|each) (?:reasoning|thought process|steps)\b|\bchain[- ]of[- ]thought\b|\breason(?:ing)? (?:through|out loud|carefully|step)\b|\bwalk (?:me )?through (?:your|the) (?:reasoning|thinking|logic|solution)\b|<\/?(?:thinking|think|reasoning|scratchpad)>|\blet'?s think\b|\b(?:full|detailed|complete|explicit) (?:reasoning|derivation|justification|rationale)\b|\bbefore (?:giving|stating|writing|providing) (?:your|the) (?:final )?answer\b|\bthought process\b|\brationale\b|\bintermediate (?:steps?|reasoning|results?)\b|\bderivation\b|\bwork (?:on|through) (?:this|the) (?:problem|question|task)\b`,
    String.raw`\bstep-?wise\b|\bthink(?:ing)? (?:aloud|out loud)\b`,
    String.raw`\b${SHOWING}\b(?:\s+[\w'-]+){0,3}?\s+${PROCESS}\b`,
    String.raw`\b${SHOWING}\b(?:\s+[\w'-]+){0,2}?\s+${OWNED_PROCESS}\b`,
    String.raw`\b(?:narrat|explain|think|reason|comment|talk)\w*\s+(?:[\w'-]+\s+){0,2}as you (?:go|work|solve|proceed)\b`,
    String.raw`\b(?:break|breaking|split|splitting|divide|dividing|decompose|decomposing)\s+(?:it|this|that|the (?:problem|question|task)|the [\w-]+ (?:problem|question|task))\s+(?:down\s+)?into\s+(?:[\w-]+\s+)?(?:parts|steps|pieces|sub-?(?:problems|questions|tasks|goals)|stages)\b`,
    String.raw`\b(?:solve|answer|address|tackle|work through)\s+(?:each|every)\s+(?:part|step|piece|sub-?(?:problem|question|task))\b|\bone (?:step|piece|part) at a time\b|\bfrom first principles\b`,
    String.raw`\b(?:grad|check|verify|critiqu|review|double-check|assess)\w*\s+(?:your|their|its|his|her) own (?:solution|answer|work|reasoning|response)\b|\bdouble-check (?:your|the) (?:work|answer|reasoning|calculations?)\b`,
    String.raw`\bhow (?:you|we) (?:arrived at|got to|got there|reached|derived|came to)\b|\b(?:explain|justify)\w*\s+(?:your|each|every) (?:answer|choice|decision|conclusion)s?\b`,
  ].join('|'),
  'i',
);

const COERCION =
  /\b(?:articulate|reconstruct|reveal|verbali[sz]e|externali[sz]e|write out|spell out|expose|transcribe|imagine|narrate)\b.{0,40}\b(?:internal|hidden|inner|private|full|complete|entire|raw|underlying)\b.{0,20}\b(?:reasoning|thought process|thinking|chain[- ]of[- ]thought|thoughts|deliberation)\b|\breasoning (?:trace|traces|tokens)\b|\binternal (?:monologue|reasoning)\b/i;

const HEAD = 600;
const TAIL = 400;

/** One regular expression per flag set: a single scan of the text instead of one per pattern. */
function combine(res: RegExp[]): RegExp[] {
  const byFlags = new Map<string, string[]>();
  for (const re of res) byFlags.set(re.flags, [...(byFlags.get(re.flags) ?? []), `(?:${re.source})`]);
  return [...byFlags].map(([flags, parts]) => new RegExp(parts.join('|'), flags));
}

const FORMAT_RE = combine(FORMAT);
// Most prompts match no answer format; only those that do are read again for a graded one.
const GRADED_FORMAT_RE = combine(FORMAT.filter((re) => !LOOSE_FORMAT.includes(re)));
const GRADING_RE = combine(GRADING);
const PLACEHOLDER_RE = combine(PLACEHOLDER);
const CODE_STUB_RE = combine(CODE_STUB);

function anyMatch(res: RegExp[], s: string): boolean {
  for (const re of res) if (re.test(s)) return true;
  return false;
}

function countMatches(re: RegExp, s: string, cap: number): number {
  re.lastIndex = 0;
  let n = 0;
  while (n < cap && re.exec(s)) n++;
  re.lastIndex = 0;
  return n;
}

/** Inline "(X)" option labels, up to `cap`. */
function inlineChoices(s: string, cap: number): number {
  let n = 0;
  for (let i = s.indexOf('('); i >= 0 && n < cap; i = s.indexOf('(', i + 1)) {
    const c = s.charCodeAt(i + 1);
    if (c >= 65 && c <= 74 && s.charCodeAt(i + 2) === 41) n++;
  }
  return n;
}

function hasChoices(s: string): boolean {
  let lines = 0;
  // Three or more option lines ("A) ...", "(b) ...", "[C] ...") or three inline "(X)" labels.
  for (let start = 0; start < s.length && lines < 3; ) {
    let end = s.indexOf('\n', start);
    if (end < 0) end = s.length;
    // Cheap pre-check on the line's first non-space character before the regex.
    let j = start;
    while (j < end && (s.charCodeAt(j) === 32 || s.charCodeAt(j) === 9)) j++;
    const c = s.charCodeAt(j);
    const lower = c | 32;
    if (end - start < 400 && ((lower >= 97 && lower <= 106) || c === 40 || c === 91) && CHOICE_LINE.test(s.slice(start, end))) lines++;
    start = end + 1;
  }
  if (lines >= 3) return true;
  const inline = inlineChoices(s, 3);
  if (inline >= 3) return true;
  return inline >= 2 && CHOICE_HEADER.test(s);
}

/** Cues found in the instructions themselves: read in the prompt and in the system prompt alike. */
function instructionCues(text: string): number {
  let bits = 0;
  if (anyMatch(FORMAT_RE, text)) bits |= anyMatch(GRADED_FORMAT_RE, text) ? CUE_FORMAT | CUE_GRADED : CUE_FORMAT;
  if (anyMatch(GRADING_RE, text)) bits |= CUE_GRADING | CUE_GRADED;
  if (COT.test(text)) bits |= CUE_COT;
  if (COERCION.test(text)) bits |= CUE_COERCION | CUE_COT;
  return bits;
}

// An app sends the same system prompt with every request: its cues are remembered (bounded, oldest dropped).
const SYSTEM_CACHE_MAX = 2048;
const systemCache = new Map<string, number>();

function systemCues(system: string): number {
  if (!system) return 0;
  const sys = system.length > HEAD ? system.slice(0, HEAD) : system;
  let bits = systemCache.get(sys);
  if (bits === undefined) {
    bits = instructionCues(sys);
    if (systemCache.size >= SYSTEM_CACHE_MAX) systemCache.delete(systemCache.keys().next().value!);
    systemCache.set(sys, bits);
  }
  return bits;
}

/**
 * Cue bits of one prompt, and of its system prompt (harness instructions often live there; the layout cues
 * — options, placeholders, code stubs, few-shot blocks — are read in the prompt only).
 */
export function harnessCues(prompt: string, system: string): number {
  const p = prompt.length > HEAD + TAIL ? prompt.slice(0, HEAD) + '\n' + prompt.slice(-TAIL) : prompt;
  let bits = instructionCues(p) | systemCues(system);
  if (hasChoices(p)) bits |= CUE_CHOICES;
  if (anyMatch(PLACEHOLDER_RE, p)) bits |= CUE_PLACEHOLDER;
  if (anyMatch(CODE_STUB_RE, p)) bits |= CUE_CODE_STUB;
  if (countMatches(FEW_SHOT_Q, p, 2) >= 2 && countMatches(FEW_SHOT_A, p, 2) >= 2) bits |= CUE_FEW_SHOT;
  return bits;
}

export function cueNames(bits: number): string[] {
  return CUE_NAMES.filter(([b]) => bits & b).map(([, n]) => n);
}

const SCAFFOLD_HEADER =
  /^(?:#+\s*)?(?:\[[^\]\n]{1,40}\]|(?:task|question|problem|prompt|item|instruction|exercise|q)\s*\d*\s*[:.)]?|.{0,60}\b(?:following|below|above|this|next)\b.{0,20}\b(?:question|problem|task|prompt|item|instruction|exercise|query|request)s?\b.{0,20}|.{0,60}\b(?:question|problem|task|prompt|item|instruction|exercise|query|request)s?\b.{0,20}\b(?:following|below|above|that follows)\b.{0,10})$/i;
/** A header line is shorter than this. */
const HEADER_MAX_CHARS = 120;
const WORD = /[A-Za-z]{3,}/g;
// Words scaffolding sentences are made of: what is left of a cue sentence once they are gone is its content.
const FILLER = new Set(
  ('the and your you for with then that this before after answer answers response please give provide write show make sure all ' +
    'each every any are will should must only just explain detail detailed carefully first final following format line last ' +
    'without quotes reasoning thought thoughts process steps step work working out way right correct let have can into own ' +
    'below above here there what how end begin start put letter number option choice imagine behind completed complete full entire whole').split(' '),
);

/** A sentence that matched a cue is scaffolding when little else is left in it once the cue is taken out. */
function onlyScaffold(sentence: string, re: RegExp): boolean {
  const m = re.exec(sentence);
  if (!m) return false;
  const rest = sentence.slice(0, m.index) + ' ' + sentence.slice(m.index + m[0].length);
  let words = 0;
  for (const w of rest.match(WORD) ?? []) if (!FILLER.has(w.toLowerCase()) && ++words > 1) return false;
  return true;
}
const SENTENCE = /[^.?!\n]+(?:[.?!]+|$)/g;
/** Cues whose sentences contentOf drops. */
const SCAFFOLD_CUES = CUE_FORMAT | CUE_GRADING | CUE_COT | CUE_COERCION | CUE_FEW_SHOT;

/**
 * What a prompt asks, without the scaffolding a harness puts around it: sentences that only say how to answer
 * (answer formats, "think step by step", grading notes) and bare headers ("### Task 3", "Answer the following
 * question.") are dropped. "Provide a detailed rationale" is not what is being asked; the item is. The
 * classifier and its trainer read this, so a benign item in a harness reads as the item. Falls back to the
 * whole prompt when nothing else is left.
 */
export function contentOf(text: string, cues?: number): string {
  let prompt = text;
  if (prompt.length > 4000) return prompt;
  // With the prompt's cues known: no cue and no second line means no scaffolding to drop.
  const sentences = cues === undefined || (cues & SCAFFOLD_CUES) !== 0;
  if (!sentences && !prompt.includes('\n')) return prompt;
  // Few-shot exemplars are scaffolding too: the item is the last question.
  if (countMatches(FEW_SHOT_Q, prompt, 2) >= 2 && countMatches(FEW_SHOT_A, prompt, 2) >= 1) {
    let last = 0;
    FEW_SHOT_Q.lastIndex = 0;
    for (let m = FEW_SHOT_Q.exec(prompt); m; m = FEW_SHOT_Q.exec(prompt)) {
      last = m.index;
      if (m[0].length === 0) FEW_SHOT_Q.lastIndex++;
    }
    FEW_SHOT_Q.lastIndex = 0;
    prompt = prompt.slice(last);
  }
  // Without cue sentences only bare headers can go: most prompts have none, and are returned as they are.
  if (!sentences && prompt === text && !hasHeaderLine(prompt)) return text;
  let out = '';
  let dropped = false;
  for (const line of prompt.split('\n')) {
    const t = line.trim();
    if (!t) continue;
    if (isHeaderLine(t)) {
      dropped = true;
      continue;
    }
    if (!sentences) {
      out += (out ? '\n' : '') + t;
      continue;
    }
    let kept = '';
    SENTENCE.lastIndex = 0;
    for (let m = SENTENCE.exec(t); m && m[0]; m = SENTENCE.exec(t)) {
      const s = m[0];
      if (s.length < 200 && (onlyScaffold(s, COT) || onlyScaffold(s, COERCION) || FORMAT_RE.some((re) => onlyScaffold(s, re)) || GRADING_RE.some((re) => onlyScaffold(s, re)))) dropped = true;
      else kept += s;
    }
    if (kept.trim()) out += (out ? '\n' : '') + kept.trim();
  }
  return (dropped || prompt !== text) && out ? out : prompt;
}

/**
 * Whether the prompt opens with a bare harness header ("Question 12:", "### Instruction 434", "[test-7]", "Solve the
 * following problem:") on a line of its own, with the item after it: how a script frames each item it sends. Measured
 * on the corpora's own prompts (docs/detection.md): 0% of application prompts open so, 0-3% of benchmark items.
 */
export function framedItem(prompt: string): boolean {
  let start = 0;
  while (start < prompt.length && prompt.charCodeAt(start) <= 32) start++;
  const end = prompt.indexOf('\n', start);
  if (end < 0 || end - start > HEADER_MAX_CHARS) return false;
  let rest = end;
  while (rest < prompt.length && prompt.charCodeAt(rest) <= 32) rest++;
  return rest < prompt.length && isHeaderLine(prompt.slice(start, end).trim());
}

/** A trimmed line that is only a harness header: short, and nothing but the header. */
function isHeaderLine(t: string): boolean {
  return t.length > 0 && t.length < HEADER_MAX_CHARS && SCAFFOLD_HEADER.test(t);
}

function hasHeaderLine(prompt: string): boolean {
  for (let start = 0; start < prompt.length; ) {
    let end = prompt.indexOf('\n', start);
    if (end < 0) end = prompt.length;
    const t = prompt.slice(start, end).trim();
    if (isHeaderLine(t)) return true;
    start = end + 1;
  }
  return false;
}
