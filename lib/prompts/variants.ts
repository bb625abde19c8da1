/**
 * The five prompt variants of the winning entry and the organisers' Baseline (SPEC §4), as one
 * table over the shared pieces. Each row says which system text, which blocks in which order,
 * how the conversation is written and how the question (or instruction) reads.
 */
import { CATEGORY_INFO, type Category, type CategoryInfo } from "../corpus/schema";
import {
  ALL_UTTERANCES,
  LABEL_SPACED,
  LABEL_TIGHT,
  LONGER_THAN_ONE,
  SYS_DEFAULT,
  SYS_TASK,
  type SpeakerLabel,
  type UtteranceFilter,
} from "./pieces";
import { PARTICLE_EUL, PARTICLE_EURO, correctParticle, faithfulAttach, fixedAttach, type ParticlePair } from "./josa";

export const VARIANT_NAMES = [
  "CustomRefDataset",
  "CustomRefOfficialTermDataset",
  "CustomRefDefinitionDataset",
  "CustomRefInstructionDataset",
  "SystemRefOfficialTermDataset",
  "Baseline",
] as const;
export type VariantName = (typeof VARIANT_NAMES)[number];

/** `faithful` keeps the original's quirks; `fixed` writes the right particle and one eos. */
export const MODES = ["faithful", "fixed"] as const;
export type Mode = (typeof MODES)[number];

export type Block = "conversation" | "references" | "question" | "options";

/** The question (or instruction): head + term (+ particle) + tail. */
export interface QuestionTemplate {
  head: string;
  /** The term the particle follows: the raw category, its official term or its definition. */
  term: (c: CategoryInfo) => string;
  /** Whether the term is written in bold (`**term**`); the particle test still reads the bare term. */
  bold: boolean;
  particles: ParticlePair;
  tail: string;
}

export interface VariantSpec {
  name: VariantName;
  summary: string;
  system: string;
  /** User-message blocks, joined by a blank line. */
  blocks: readonly Block[];
  speakerLabel: SpeakerLabel;
  conversationFilter: UtteranceFilter;
  question: QuestionTemplate;
  /** The trainer tokenized `target + eos` although the target already ends in eos (Baseline). */
  appendsEosTwice: boolean;
}

const REF_HEAD = "[Question]\n위 대화의 특정 발화인 `Utterance References`에 대한 ";
const DEF_HEAD = "[Question]\n주어진 대화의 내용과 문맥으로 미루어 보았을 때, 특정 발화인 `Utterance References`에 대해 ";
const INSTRUCTION_HEAD = "[Instruction]\n주어진 대화의 내용과 문맥을 바탕으로, 특정 발화인 `Utterance References`에 대한 ";

const rawCategory = (c: CategoryInfo) => c.category;
const officialTerm = (c: CategoryInfo) => c.officialTerm;
const definition = (c: CategoryInfo) => c.definition;

const REF_LAYOUT: readonly Block[] = ["conversation", "references", "question", "options"];

export const VARIANTS: Readonly<Record<VariantName, VariantSpec>> = {
  CustomRefDataset: {
    name: "CustomRefDataset",
    summary: "references block; question names the raw category",
    system: SYS_DEFAULT,
    blocks: REF_LAYOUT,
    speakerLabel: LABEL_TIGHT,
    conversationFilter: LONGER_THAN_ONE,
    question: { head: REF_HEAD, term: rawCategory, bold: false, particles: PARTICLE_EURO, tail: " 올바른 지문은?" },
    appendsEosTwice: false,
  },
  CustomRefOfficialTermDataset: {
    name: "CustomRefOfficialTermDataset",
    summary: "references block; question names the bold official term",
    system: SYS_DEFAULT,
    blocks: REF_LAYOUT,
    speakerLabel: LABEL_TIGHT,
    conversationFilter: LONGER_THAN_ONE,
    question: { head: REF_HEAD, term: officialTerm, bold: true, particles: PARTICLE_EURO, tail: " 올바른 지문은?" },
    appendsEosTwice: false,
  },
  CustomRefDefinitionDataset: {
    name: "CustomRefDefinitionDataset",
    summary: "references block; question quotes the bold definition",
    system: SYS_DEFAULT,
    blocks: REF_LAYOUT,
    speakerLabel: LABEL_TIGHT,
    conversationFilter: LONGER_THAN_ONE,
    question: { head: DEF_HEAD, term: definition, bold: true, particles: PARTICLE_EUL, tail: " 가장 잘 설명하는 문장은 무엇인가?" },
    appendsEosTwice: false,
  },
  CustomRefInstructionDataset: {
    name: "CustomRefInstructionDataset",
    summary: "instruction first, then conversation, references, options",
    system: SYS_DEFAULT,
    blocks: ["question", "conversation", "references", "options"],
    speakerLabel: LABEL_TIGHT,
    conversationFilter: LONGER_THAN_ONE,
    question: { head: INSTRUCTION_HEAD, term: definition, bold: true, particles: PARTICLE_EUL, tail: " 가장 잘 설명하는 문장을 선택하라." },
    appendsEosTwice: false,
  },
  SystemRefOfficialTermDataset: {
    name: "SystemRefOfficialTermDataset",
    summary: "task system prompt; `화자 N:` conversation lines; asks for the 추론문",
    system: SYS_TASK,
    blocks: REF_LAYOUT,
    speakerLabel: LABEL_SPACED,
    conversationFilter: LONGER_THAN_ONE,
    question: { head: REF_HEAD, term: officialTerm, bold: true, particles: PARTICLE_EURO, tail: " 올바른 추론문은?" },
    appendsEosTwice: false,
  },
  Baseline: {
    name: "Baseline",
    summary: "organisers' baseline: every utterance, no references block",
    system: SYS_DEFAULT,
    blocks: ["conversation", "question", "options"],
    speakerLabel: LABEL_TIGHT,
    conversationFilter: ALL_UTTERANCES,
    question: { head: "[Question]\n위 대화의 ", term: rawCategory, bold: false, particles: PARTICLE_EURO, tail: " 올바른 지문은?" },
    appendsEosTwice: true,
  },
};

export function isVariantName(v: string): v is VariantName {
  return (VARIANT_NAMES as readonly string[]).includes(v);
}

export function isMode(v: string): v is Mode {
  return (MODES as readonly string[]).includes(v);
}

/** The question text for a category and what the particle choice did. */
export interface RenderedQuestion {
  text: string;
  /** The original replaced the whole question with the particle (faithful mode only). */
  overwritten: boolean;
  /** The particle the original's test picks, and the right one. */
  originalParticle: string;
  correctParticle: string;
}

export function renderQuestion(q: QuestionTemplate, category: Category, mode: Mode): RenderedQuestion {
  const info = CATEGORY_INFO.get(category);
  if (!info) throw new RangeError(`unknown category ${category}`);
  const term = q.term(info);
  const lead = q.head + (q.bold ? `**${term}**` : term);
  const attached = mode === "faithful" ? faithfulAttach(lead, term, q.particles) : fixedAttach(lead, term, q.particles);
  const faithful = faithfulAttach("", term, q.particles);
  return {
    text: attached.text + q.tail,
    overwritten: attached.overwritten,
    originalParticle: faithful.overwritten ? q.particles.afterVowel : q.particles.afterConsonant,
    correctParticle: correctParticle(term, q.particles),
  };
}
