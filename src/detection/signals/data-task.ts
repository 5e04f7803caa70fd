// A task on supplied text (classify, moderate, translate, summarise, extract... this post, the text below)
// asks about the text, not for it: a moderation pipeline full of toxic posts or a translator of rude chats is
// not asking for harm. For such prompts the classifier judges the instruction, not the quoted data. A prompt
// that puts a harmful request inside such a task gets the task done to it, not the request answered.
const TASK = /\b(?:classif|categori[sz]|label|moderat|flag|rate |rating|score|summari[sz]|translat|detect|extract|analy[sz]|tag |rewrite|paraphras|rephras|simplif|proofread|sentiment|transcrib|redact|anonymi[sz]|fact-check|title|headline|caption|keywords)/i;
const DATA_NOUN = '(?:text|post|posts|comment|message|document|ticket|review|passage|article|email|transcript|tweet|content|conversation|sentence|paragraph|input)';
// "this ticket", "the following text", and the other order: "the text below", "the document above".
const REFERS = new RegExp(`\\b(?:following|below|this|these|above|given|attached|provided)\\b.{0,40}\\b${DATA_NOUN}\\b|\\b${DATA_NOUN}s?\\s+(?:below|above|that follows|provided|given|attached)\\b|:\\s*$`, 'i');
const BLOCK = /"""[\s\S]*?(?:"""|$)|```[\s\S]*?(?:```|$)|<(post|text|document|content|message|input|comment)>[\s\S]*?(?:<\/\1>|$)/gi;
const LABELLED = /^\s*(?:user post|post|text|comment|message|document|ticket|review|tweet|content|input|email|transcript)\s*:/im;

/** The instruction part of a task on supplied text, or undefined when the prompt is not one. */
export function dataTaskInstruction(prompt: string, system: string): string | undefined {
  const head = prompt.length > 3000 ? prompt.slice(0, 1500) + '\n' + prompt.slice(-800) : prompt;
  // Delimited data: quoted blocks, fences, tags.
  BLOCK.lastIndex = 0;
  if (BLOCK.test(head)) {
    BLOCK.lastIndex = 0;
    const outside = head.replace(BLOCK, ' ');
    if (TASK.test(outside) || TASK.test(system)) return outside;
  }
  // "Text: ..." after an instruction (or with the instruction in the system prompt).
  const m = LABELLED.exec(head);
  if (m && (TASK.test(head.slice(0, m.index)) || TASK.test(system))) return head.slice(0, m.index) + m[0];
  // "Summarize the following document.\n\n<document>\n\nReturn JSON..."
  const paras = head.split(/\n\s*\n/);
  if (paras.length >= 2 && TASK.test(paras[0]!) && REFERS.test(paras[0]!)) {
    const last = paras[paras.length - 1]!;
    return paras.length >= 3 && last.length < 300 ? `${paras[0]}\n${last}` : paras[0];
  }
  // "Write a one-sentence title for this text:\n<text>": the instruction on a line of its own above the data.
  const nl = head.indexOf('\n');
  if (nl > 0 && nl < 300) {
    const first = head.slice(0, nl);
    if (TASK.test(first) && REFERS.test(first) && head.slice(nl + 1).trim()) return first;
  }
  return undefined;
}
