// The lecture's toy part-of-speech task ("I like cake" → PRON VERB NOUN), embedded so
// the demo and tests need no download. Several words take two tags ("like", "fish",
// "watch", "can", "saw"), so a tagger must read the context, not just the word.

const SENTENCES = `
I/PRON like/VERB cake/NOUN
you/PRON like/VERB fish/NOUN
we/PRON fish/VERB
they/PRON eat/VERB fish/NOUN
she/PRON eats/VERB cake/NOUN
he/PRON likes/VERB dogs/NOUN
dogs/NOUN like/VERB cake/NOUN
I/PRON watch/VERB birds/NOUN
my/DET watch/NOUN is/VERB old/ADJ
the/DET cake/NOUN is/VERB sweet/ADJ
the/DET fish/NOUN swim/VERB
I/PRON can/AUX fish/VERB
we/PRON can/AUX swim/VERB
the/DET can/NOUN is/VERB empty/ADJ
she/PRON saw/VERB a/DET bird/NOUN
he/PRON saw/VERB the/DET dog/NOUN
the/DET saw/NOUN is/VERB sharp/ADJ
a/DET dog/NOUN eats/VERB like/ADP a/DET bird/NOUN
they/PRON swim/VERB like/ADP fish/NOUN
you/PRON sing/VERB like/ADP a/DET bird/NOUN
birds/NOUN sing/VERB
I/PRON like/VERB the/DET old/ADJ dog/NOUN
we/PRON eat/VERB sweet/ADJ cake/NOUN
the/DET dog/NOUN can/AUX swim/VERB
the/DET birds/NOUN watch/VERB the/DET fish/NOUN
she/PRON likes/VERB my/DET watch/NOUN
he/PRON eats/VERB fish/NOUN like/ADP a/DET dog/NOUN
you/PRON can/AUX watch/VERB birds/NOUN
they/PRON like/VERB the/DET empty/ADJ can/NOUN
I/PRON saw/VERB the/DET fish/NOUN
`;

export interface TaggedSentence {
  words: string[];
  tags: string[];
}

export function toyPosCorpus(): TaggedSentence[] {
  return SENTENCES.trim().split('\n').map((line) => {
    const pairs = line.trim().split(/\s+/).map((p) => p.split('/'));
    return { words: pairs.map((p) => p[0]), tags: pairs.map((p) => p[1]) };
  });
}
