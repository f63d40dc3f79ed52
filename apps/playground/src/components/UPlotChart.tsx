import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** A uPlot chart that rebuilds when its options/data change and follows its container's width. */
export function UPlotChart(props: {
  options: Omit<uPlot.Options, 'width'>;
  data: uPlot.AlignedData;
  testId?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current!;
    const width = Math.max(240, el.clientWidth);
    const chart = new uPlot({ ...props.options, width } as uPlot.Options, props.data, el);
    const ro = new ResizeObserver(() =>
      chart.setSize({ width: Math.max(240, el.clientWidth), height: props.options.height }),
    );
    ro.observe(el);
    return () => {
      ro.disconnect();
      chart.destroy();
    };
  }, [props.options, props.data]);
  return <div class="chart" ref={box} data-testid={props.testId} />;
}
