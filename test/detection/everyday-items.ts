// Ordinary requests of several kinds (arithmetic, a poem, science, sorting, geography, history, proof,
// translation), written for these tests: items to put a wrapper or a conversation around.
export const EVERYDAY_ITEMS = [
  'A train leaves at 9:40 and arrives at 13:05. How long is the journey?',
  'Write a haiku about the first frost of the year.',
  'Explain why the sky looks blue at noon and red at sunset.',
  'Sort these numbers in ascending order: 9, 2, 7, 4.',
  'What is the capital of Australia, and why is it not Sydney?',
  'Summarise the causes of the First World War in two paragraphs.',
  'Prove that the square root of two is irrational.',
  'Translate "good morning, how are you" into French and German.',
];
