# frozen_string_literal: true

# newsmirror: a build split over processes, for large mirrors on a machine with more
# than one core (docs/PERFORMANCE.md, "Jekyll builds"). Jekyll renders on one core:
#
#   NEWSMIRROR_SHARD=0/2 jekyll build & NEWSMIRROR_SHARD=1/2 jekyll build & wait
#
# Each process reads the whole site (so every list, count and previous/next link is
# the same as in one build) and renders and writes only its part, into the same
# destination: the posts of a run of home pages (so a home page, which shows its
# posts' text, is built by the process that rendered them), the pages of the shard
# that has the newest posts (feed, archives, sitemap) in process 0, the static files
# spread by a hash of their path. The parts together are the whole build, byte for
# byte (tests/test_site_large.py). Without NEWSMIRROR_SHARD nothing changes.
require "zlib"

module Jekyll
  module NewsmirrorShard
    module_function

    # [index, count] from NEWSMIRROR_SHARD ("i/n"), or nil
    def spec
      return @spec if defined?(@spec)

      m = ENV["NEWSMIRROR_SHARD"].to_s.strip.match(%r!\A(\d+)/(\d+)\z!)
      @spec = m && m[2].to_i > 1 && m[1].to_i < m[2].to_i ? [m[1].to_i, m[2].to_i] : nil
    end

    def per_page(site)
      n = site.config["paginate"].to_i
      n.positive? ? n : 20
    end

    # home page number p (0: the newest posts) -> its shard
    def shard_of_home_page(site, p)
      pages = [(site.posts.docs.size + per_page(site) - 1) / per_page(site), 1].max
      [p, pages - 1].min * spec[1] / pages
    end

    def post_positions(site)
      docs = site.posts.docs
      if @positions.nil? || !@positions[0].equal?(docs) || @positions[1] != docs.length
        table = {}.compare_by_identity
        docs.each_with_index { |d, i| table[d] = i }
        @positions = [docs, docs.length, table]
      end
      @positions[2]
    end

    def mine?(site, item)
      index, count = spec
      case item
      when Jekyll::Document
        pos = item.collection&.label == "posts" ? post_positions(site)[item] : nil
        return index.zero? unless pos

        newest_first = site.posts.docs.length - 1 - pos
        shard_of_home_page(site, newest_first / per_page(site)) == index
      when Jekyll::Page
        pager = item.pager
        return index.zero? unless pager.respond_to?(:page) && pager.page.is_a?(Integer)

        shard_of_home_page(site, pager.page - 1) == index
      when Jekyll::StaticFile
        Zlib.crc32(item.relative_path.to_s) % count == index
      else
        index.zero?
      end
    end
  end

  module NewsmirrorShardRegenerator
    def regenerate?(document)
      return super unless Jekyll::NewsmirrorShard.spec

      Jekyll::NewsmirrorShard.mine?(site, document) && super
    end
  end

  Regenerator.prepend(NewsmirrorShardRegenerator)
end
