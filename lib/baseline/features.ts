/**
 * Feature groups of the lexical members, as one table. Each group reads an example's view and
 * gives, for each of the three options, either named numbers (dense) or tokens (a vocabulary
 * learned on train turns them into indicator features). A member picks groups by name.
 *
 * The options of one example are near-copies that differ in a word or two, so most groups look
 * at what is *distinctive* of an option (n-grams not all three share).
 */
import { distance } from "fastest-levenshtein";
import { CATEGORIES } from "../corpus/schema";
import { charNgrams, compact, coverage, dice, distinctive, words, type ExampleView } from "./text";

export type GroupOutput = { kind: "dense"; rows: number[][] } | { kind: "tokens"; rows: string[][] };

export interface FeatureGroup {
  name: string;
  description: string;
  /** Names of the dense features, in the order `compute` gives them; absent for token groups. */
  names?: readonly string[];
  compute: (view: ExampleView) => GroupOutput;
}

const NS = [1, 2, 3] as const;
const CATEGORY_NAMES = CATEGORIES.map((c) => c.category);

/** 1 for options whose value is the largest of the three (all tied ones). */
function isMax(values: readonly number[]): number[] {
  const top = Math.max(...values);
  return values.map((v) => (v === top ? 1 : 0));
}

function isMin(values: readonly number[]): number[] {
  const low = Math.min(...values);
  return values.map((v) => (v === low ? 1 : 0));
}

/** Per option: [f(option 1), f(option 2), f(option 3)] for a list of column functions → rows. */
function columnsToRows(columns: readonly number[][]): number[][] {
  return [0, 1, 2].map((k) => columns.map((c) => c[k]));
}

/** Distinctive and full n-gram coverage of each option by a text. */
function overlapColumns(view: ExampleView, text: string, n: number): { distinct: number[]; full: number[] } {
  const target = charNgrams(text, n);
  const grams = view.options.map((o) => charNgrams(o, n));
  return {
    distinct: grams.map((g) => coverage(distinctive(g, grams), target)),
    full: grams.map((g) => coverage(g, target)),
  };
}

const overlapNames = [
  ...NS.flatMap((n) => [`ref.distinct.${n}`, `ref.full.${n}`, `conv.distinct.${n}`, `conv.full.${n}`, `speaker.distinct.${n}`]),
  "ref.words.distinct",
  "conv.words.distinct",
  "ref.distinct.2.isMax",
  "conv.distinct.2.isMax",
  "conv.distinct.1.isMax",
];

function overlap(view: ExampleView): number[][] {
  const col: Record<string, number[]> = {};
  for (const n of NS) {
    const ref = overlapColumns(view, view.references, n);
    const conv = overlapColumns(view, view.conversation, n);
    col[`ref.distinct.${n}`] = ref.distinct;
    col[`ref.full.${n}`] = ref.full;
    col[`conv.distinct.${n}`] = conv.distinct;
    col[`conv.full.${n}`] = conv.full;
    col[`speaker.distinct.${n}`] = overlapColumns(view, view.sameSpeaker, n).distinct;
  }
  const optWords = view.options.map((o) => new Set(words(o)));
  col["ref.words.distinct"] = optWords.map((w) => coverage(distinctive(w, optWords), new Set(words(view.references))));
  col["conv.words.distinct"] = optWords.map((w) => coverage(distinctive(w, optWords), new Set(words(view.conversation))));
  for (const name of ["ref.distinct.2", "conv.distinct.2", "conv.distinct.1"]) col[`${name}.isMax`] = isMax(col[name]);
  return columnsToRows(overlapNames.map((n) => col[n]));
}

const centralityNames = ["bigram.mean", "bigram.min", "bigram.max", "trigram.mean", "words.mean", "words.max", "bigram.mean.isMax", "bigram.mean.isMin"];

/** How much an option shares with the other two: distractors tend to be edits of the answer. */
function centrality(view: ExampleView): number[][] {
  const sim = (sets: Set<string>[]) => sets.map((s, k) => sets.filter((_, j) => j !== k).map((o) => dice(s, o)));
  const bi = sim(view.options.map((o) => charNgrams(o, 2)));
  const tri = sim(view.options.map((o) => charNgrams(o, 3)));
  const wd = sim(view.options.map((o) => new Set(words(o))));
  const mean = (xs: number[]) => (xs[0] + xs[1]) / 2;
  const biMean = bi.map(mean);
  return columnsToRows([biMean, bi.map((x) => Math.min(...x)), bi.map((x) => Math.max(...x)), tri.map(mean), wd.map(mean), wd.map((x) => Math.max(...x)), isMax(biMean), isMin(biMean)]);
}

const editNames = ["words.mean", "words.min", "words.max", "chars.mean", "chars.min", "words.mean.isMin", "chars.mean.isMin", "words.mean.isMax"];

/** Word sequences as strings of one private-use character per distinct word, for a Levenshtein on words. */
function wordStrings(texts: readonly string[]): string[] {
  const ids = new Map<string, string>();
  return texts.map((t) =>
    words(t)
      .map((w) => {
        if (!ids.has(w)) ids.set(w, String.fromCharCode(0xe000 + ids.size));
        return ids.get(w)!;
      })
      .join(""),
  );
}

/** Edit distance to the other two options, in words and in characters: the answer is often the option closest to the other two (perhaps the one the distractors were edited from: a guess about how the corpus was built). */
function edits(view: ExampleView): number[][] {
  const dist = (texts: string[]) => texts.map((a, k) => texts.filter((_, j) => j !== k).map((b) => distance(a, b)));
  const w = dist(wordStrings(view.options));
  const c = dist(view.options.map(compact));
  const mean = (xs: number[]) => (xs[0] + xs[1]) / 2;
  const wMean = w.map(mean);
  const cMean = c.map(mean);
  return columnsToRows([wMean, w.map((x) => Math.min(...x)), w.map((x) => Math.max(...x)), cMean, c.map((x) => Math.min(...x)), isMin(wMean), isMin(cMean), isMax(wMean)]);
}

const lengthNames = ["chars.log", "chars.relative", "chars.isLongest", "chars.isShortest", "words.relative"];

function length(view: ExampleView): number[][] {
  const chars = view.options.map((o) => [...o].length);
  const nWords = view.options.map((o) => words(o).length);
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return columnsToRows([chars.map((c) => Math.log1p(c)), chars.map((c) => c / avg(chars) - 1), isMax(chars), isMin(chars), nWords.map((w) => w - avg(nWords))]);
}

const SPEAKER_KINDS = ["mentionsReferenceSpeaker", "mentionsOtherSpeaker", "mentionsBoth"] as const;
const speakerNames = CATEGORY_NAMES.flatMap((c) => SPEAKER_KINDS.map((k) => `${c}.${k}`));

/** Which speaker an option is about (화자1/화자2), per category: 동기 is the speaker's, 반응 the listener's. */
function speaker(view: ExampleView): number[][] {
  const refSpeaker = view.referenceSpeakers.length === 1 ? view.referenceSpeakers[0] : 0;
  return view.options.map((o) => {
    const m1 = o.includes("화자1");
    const m2 = o.includes("화자2");
    const ref = refSpeaker === 1 ? m1 : refSpeaker === 2 ? m2 : false;
    const other = refSpeaker === 1 ? m2 : refSpeaker === 2 ? m1 : false;
    const kinds = [ref, other, m1 && m2].map(Number);
    return CATEGORY_NAMES.flatMap((c) => kinds.map((v) => (c === view.category ? v : 0)));
  });
}

const overlapByCategoryNames = CATEGORY_NAMES.flatMap((c) => [`${c}.ref.distinct.2`, `${c}.conv.distinct.2`, `${c}.conv.distinct.1`]);

/** Overlap that matters differently per inference type (a cause is in the chat, a subsequent event is not). */
function overlapByCategory(view: ExampleView): number[][] {
  const ref2 = overlapColumns(view, view.references, 2).distinct;
  const conv2 = overlapColumns(view, view.conversation, 2).distinct;
  const conv1 = overlapColumns(view, view.conversation, 1).distinct;
  return [0, 1, 2].map((k) => CATEGORY_NAMES.flatMap((c) => (c === view.category ? [ref2[k], conv2[k], conv1[k]] : [0, 0, 0])));
}

/** Distinctive words and character bigrams of an option: learned cues such as negations or antonyms. */
function lexicon(view: ExampleView): string[][] {
  const w = view.options.map((o) => new Set(words(o)));
  const b = view.options.map((o) => charNgrams(o, 2));
  return [0, 1, 2].map((k) => [...[...distinctive(w[k], w)].map((x) => `w:${x}`), ...[...distinctive(b[k], b)].map((x) => `b:${x}`)]);
}

/** Distinctive words per category (`반응|w:기쁘다`): cues whose meaning depends on the inference type. */
function lexiconByCategory(view: ExampleView): string[][] {
  return lexicon(view).map((tokens) => tokens.filter((t) => t.startsWith("w:")).map((t) => `${view.category}|${t}`));
}

export const FEATURE_GROUPS = {
  overlap: { name: "overlap", description: "distinctive and full char 1–3-gram and word coverage of each option by the references, the conversation and the reference speaker's other turns", names: overlapNames, compute: (v) => ({ kind: "dense", rows: overlap(v) }) },
  centrality: { name: "centrality", description: "char-bigram, trigram and word Dice similarity of each option to the other two", names: centralityNames, compute: (v) => ({ kind: "dense", rows: centrality(v) }) },
  edits: { name: "edits", description: "word- and character-level Levenshtein distance of each option to the other two", names: editNames, compute: (v) => ({ kind: "dense", rows: edits(v) }) },
  length: { name: "length", description: "option length in characters and words, relative to the other options", names: lengthNames, compute: (v) => ({ kind: "dense", rows: length(v) }) },
  speaker: { name: "speaker", description: "whether the option names the reference speaker, the other one or both (화자1/화자2), per category", names: speakerNames, compute: (v) => ({ kind: "dense", rows: speaker(v) }) },
  overlapByCategory: { name: "overlapByCategory", description: "distinctive overlap with references and conversation, one copy per category", names: overlapByCategoryNames, compute: (v) => ({ kind: "dense", rows: overlapByCategory(v) }) },
  lexicon: { name: "lexicon", description: "indicator features of the option's distinctive words and character bigrams (vocabulary from train)", compute: (v) => ({ kind: "tokens", rows: lexicon(v) }) },
  lexiconByCategory: { name: "lexiconByCategory", description: "distinctive words crossed with the category", compute: (v) => ({ kind: "tokens", rows: lexiconByCategory(v) }) },
} satisfies Record<string, FeatureGroup>;

export type FeatureGroupName = keyof typeof FEATURE_GROUPS;
export const FEATURE_GROUP_NAMES = Object.keys(FEATURE_GROUPS) as FeatureGroupName[];
