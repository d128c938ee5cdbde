package io.logitstream.gateway.openai;

import java.util.List;

/**
 * One position of a logprobs answer: the token there, its logprob (null for the first prompt
 * token, which has no context) and the alternatives the worker reported, most likely first.
 */
record TokenPosition(int id, String token, Float logprob, List<Alternative> alternatives) {

    record Alternative(int id, float logprob) {
    }
}
