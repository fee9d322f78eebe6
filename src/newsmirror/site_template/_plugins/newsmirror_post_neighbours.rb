# frozen_string_literal: true

# newsmirror: a post's previous and next posts (page.previous / page.next) in constant
# time. Jekyll (3.x and 4.x) finds them with `collection.docs.index(self)`, a scan of
# all posts for every post rendered: O(n^2) per build, 85 s of a 20,000-post build and
# most of the growth past that (docs/PERFORMANCE.md, "Jekyll builds"). Here each
# collection keeps a position table, built in one pass when first asked, and every
# answer is checked against the posts array itself (the same object, the same length,
# the post at the position found): a sorted, grown or replaced array gets a new table,
# so the answers are always Jekyll's own.
#
# GitHub Pages builds in safe mode, which ignores _plugins/: there the layouts' links
# are the same, found by Jekyll's scan (or left out with `post_nav: false`).
module Jekyll
  module NewsmirrorNeighbours
    module_function

    # The position of doc in its collection's docs, or nil when it is not there.
    def position(doc)
      collection = doc.collection
      return nil unless collection

      docs = collection.docs
      table = collection.instance_variable_get(:@newsmirror_positions)
      pos = table && table[0].equal?(docs) && table[1] == docs.length ? table[2][doc] : nil
      return pos if pos && docs[pos].equal?(doc)

      positions = {}.compare_by_identity
      docs.each_with_index { |d, i| positions[d] = i }
      collection.instance_variable_set(:@newsmirror_positions, [docs, docs.length, positions])
      positions[doc]
    end
  end

  class Document
    def previous_doc
      pos = NewsmirrorNeighbours.position(self)
      collection.docs[pos - 1] if pos && pos.positive?
    end

    def next_doc
      pos = NewsmirrorNeighbours.position(self)
      collection.docs[pos + 1] if pos && pos < collection.docs.length - 1
    end
  end
end
